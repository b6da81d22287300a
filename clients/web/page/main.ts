// The player web client (/app): sign in with an access token, then rooms and narrative sessions
// on one GlassClient, which keeps the connection and resumes it after a drop (docs/WEB.md).
import { GlassClient, type GlassClientError } from '../../sdk/index.js';
import { showConnection, showOffline } from './connection-view.js';
import { byId } from './dom.js';
import { RoomPanel } from './room-panel.js';
import { SessionPanel } from './session-panel.js';

/** Where a token is kept for this tab only (a reload stays signed in; a new tab asks again). */
const TOKEN_KEY = 'glass.token';

interface Signed {
  client: GlassClient;
  rooms: Map<string, RoomPanel>;
  sessions: Map<string, SessionPanel>;
  off: () => void;
}

let current: Signed | null = null;

function notice(message: string | null): void {
  const box = byId('notice');
  box.hidden = message === null;
  box.textContent = message ?? '';
}

/** The socket of the node that served this page: same host, `/ws`. */
function socketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/** A token given as `#token=…` is taken and removed from the address bar (and so from history). */
function tokenFromFragment(): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (token === null || token === '') return null;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + location.search + (rest === '' ? '' : `#${rest}`));
  return token;
}

async function signIn(token: string): Promise<void> {
  const error = byId('sign-in-error');
  error.textContent = '';
  const client = new GlassClient({ url: socketUrl(), token });
  const stopConnection = showConnection(client);
  const stopErrors = client.on('error', (err: GlassClientError) => {
    if (client.state === 'closed') notice(`disconnected: ${err.code}${err.code === 'GLASS_ERR_TOKEN_EXPIRED' ? ' (sign in with a new token)' : ''}`);
  });
  const stopClosed = client.on('state', ({ state }) => {
    if (state === 'closed' && current?.client === client) byId('sign-out').textContent = 'Sign in again';
  });
  try {
    const welcome = await client.connect();
    sessionStorage.setItem(TOKEN_KEY, token);
    current = { client, rooms: new Map(), sessions: new Map(), off: () => (stopConnection(), stopErrors(), stopClosed()) };
    const who = byId('who');
    who.textContent = `${welcome.player} as ${welcome.character}`;
    who.hidden = false;
    byId('sign-out').hidden = false;
    byId('sign-out').textContent = 'Sign out';
    byId('sign-in').hidden = true;
    byId('play').hidden = false;
    notice(null);
    byId<HTMLInputElement>('room-name').focus();
  } catch (err) {
    stopConnection();
    stopErrors();
    stopClosed();
    showOffline();
    sessionStorage.removeItem(TOKEN_KEY);
    // A browser does not say why an upgrade failed: a refused token looks like a network failure.
    error.textContent = `Could not connect (${(err as GlassClientError).code}): check the token and that the node is up.`;
    byId<HTMLInputElement>('token').focus();
  }
}

async function signOut(): Promise<void> {
  const signed = current;
  current = null;
  sessionStorage.removeItem(TOKEN_KEY);
  if (signed !== null) {
    for (const panel of [...signed.rooms.values(), ...signed.sessions.values()]) panel.dispose();
    signed.off();
    await signed.client.close();
  }
  showOffline();
  byId('who').hidden = true;
  byId('sign-out').hidden = true;
  byId('play').hidden = true;
  byId('sign-in').hidden = false;
  byId<HTMLInputElement>('token').value = '';
  byId<HTMLInputElement>('token').focus();
}

async function open<P extends RoomPanel | SessionPanel>(
  name: string,
  panels: Map<string, P>,
  make: (client: GlassClient, hooks: { closed(panel: P): void; report(message: string): void }) => P,
): Promise<void> {
  const signed = current;
  if (signed === null) return;
  const existing = panels.get(name);
  if (existing !== undefined) return existing.focus();
  const panel = make(signed.client, { closed: () => panels.delete(name), report: notice });
  panels.set(name, panel);
  byId('panels').append(panel.element);
  try {
    await panel.join();
    panel.focus();
  } catch (err) {
    panel.dispose();
    notice(`could not join ${name}: ${(err as GlassClientError).code ?? String(err)}`);
  }
}

function start(): void {
  byId('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = byId<HTMLInputElement>('token').value.trim();
    if (token !== '') void signIn(token);
  });
  byId('sign-out').addEventListener('click', () => void signOut());
  byId('join-room').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('room-name');
    const room = input.value.trim();
    input.value = '';
    if (current !== null && room !== '') void open(room, current.rooms, (client, hooks) => new RoomPanel(client, room, hooks));
  });
  byId('join-session').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('session-name');
    const session = input.value.trim();
    input.value = '';
    if (current !== null && session !== '') void open(session, current.sessions, (client, hooks) => new SessionPanel(client, session, hooks));
  });
  const token = tokenFromFragment() ?? sessionStorage.getItem(TOKEN_KEY);
  if (token !== null) void signIn(token);
  else byId<HTMLInputElement>('token').focus();
}

start();
