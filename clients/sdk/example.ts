// A terminal chat on the player SDK (docs/SDK.md). With `npm start` running, from the repository:
//
//   node dist/clients/sdk/example.js alice ember lobby
//
// It connects as player `alice` (character `ember`) with tokens from `glass token`, joins `lobby`,
// says hello and prints what happens. Type a line to say it, `/turn <session> <text>` to take a
// turn, `/session <id>` to join a session (then lines typed are turns, narration printed as it
// streams), `/quit` to leave. GLASS_URL overrides ws://127.0.0.1:9001/ws. Node only (it runs the CLI);
// the SDK itself is not: see the browser snippet in docs/SDK.md.
import { execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GlassClient, GlassClientError, type WebSocketConstructor } from './index.js';

const [player = 'alice', character = 'ember', room = 'lobby'] = process.argv.slice(2);
const url = process.env.GLASS_URL ?? 'ws://127.0.0.1:9001/ws';
const glass = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));

/** A fresh token from the CLI, signed with the issuer's private key (GLASS_TOKEN_PRIVATE_KEY_FILE, else the development pair under .data/): called on every (re)connection. */
function token(): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [glass, 'token', '--player', player, '--character', character, '--ttl', '1h'], (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))),
  );
}

// Node 20 has no global WebSocket unless started with --experimental-websocket: use `ws` then.
const WebSocket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? (await import('ws')).default;
const client = new GlassClient({ url, token, WebSocket });

client.on('state', ({ state, attempt, delayMs, error }) => {
  const detail = state === 'reconnecting' ? ` (attempt ${attempt} in ${delayMs} ms: ${error?.code})` : '';
  console.log(`[${state}]${detail}`);
});
client.on('said', ({ room, line, replayed }) => console.log(`${replayed ? '(missed) ' : ''}#${room} ${line.seq} <${line.from}> ${line.text}`));
client.on('presence', ({ room, joined, left, members }) => console.log(`#${room} ${joined ? `+${joined}` : left ? `-${left}` : 'members'}: ${members.join(', ')}`));
client.on('resumed', ({ room, missed }) => console.log(`#${room} resumed, ${missed.length} missed line(s) above`));
client.on('resync', ({ room, reason, history }) => {
  console.log(`#${room} resync (${reason}): the last ${history.length} line(s):`);
  for (const line of history) console.log(`  ${line.seq} <${line.from}> ${line.text}`);
});
client.on('turn-started', ({ session, turn, player }) => process.stdout.write(`[${session}] turn ${turn} (${player}): `));
client.on('narration', ({ text }) => process.stdout.write(text));
client.on('narration-degraded', ({ to, restart }) => process.stdout.write(restart ? `\n(narrator changed to ${to}; starting over) ` : ''));
client.on('turn-committed', ({ session, turn }) => console.log(`\n[${session}] turn ${turn} committed`));
client.on('turn-failed', ({ session, turn, code }) => console.log(`\n[${session}] turn ${turn} failed: ${code}`));
client.on('session-presence', ({ session, joined, left, members }) => console.log(`[${session}] ${joined ? `+${joined}` : left ? `-${left}` : 'members'}: ${members.join(', ')}`));
client.on('error', (err) => console.log(`! ${err.code}: ${err.message}`));

try {
  const welcome = await client.connect();
  console.log(`connected to ${welcome.node} as ${welcome.player}/${welcome.character}; token expires ${new Date(welcome.expiresAt).toISOString()}`);
  const { members, history, seq } = await client.join(room);
  console.log(`#${room}: ${members.join(', ')}; ${history.length} recent line(s), last seq ${seq}`);
  for (const line of history) console.log(`  ${line.seq} <${line.from}> ${line.text}`);
  await client.say(room, `hello from the SDK example`);
} catch (err) {
  console.error(err instanceof GlassClientError ? `${err.code}: ${err.message}` : err);
  process.exit(1);
}

const lines = createInterface({ input: process.stdin });
/** The session joined with `/session`: lines typed are its turns. */
let playing: string | null = null;
for await (const input of lines) {
  try {
    if (input === '/quit') break;
    const turn = /^\/turn (\S+) (.+)$/.exec(input);
    const join = /^\/session (\S+)$/.exec(input);
    if (join !== null) {
      const joined = await client.joinSession(join[1]);
      playing = join[1];
      console.log(`[${playing}] joined: ${joined.members.join(', ')}; ${joined.transcript.length} recent turn(s)`);
      for (const t of joined.transcript) console.log(`  ${t.turn} <${t.player}> ${t.text}${t.narrated === undefined ? '' : ` — ${t.narrated}`}`);
    } else if (turn !== null) console.log(`turn ${await client.turn(turn[1], turn[2])} accepted`);
    // Queued at once; its narration prints as it streams.
    else if (input.trim() !== '' && playing !== null) await client.turn(playing, input);
    else if (input.trim() !== '') await client.say(room, input);
  } catch (err) {
    // Every refusal has a stable code: GLASS_ERR_RATE_LIMITED, GLASS_CLIENT_ERR_TIMEOUT, …
    console.log(`! ${err instanceof GlassClientError ? err.code : String(err)}`);
  }
}
await client.leave(room).catch(() => {});
if (playing !== null) await client.leaveSession(playing).catch(() => {});
await client.close();
// Leaving the loop on /quit does not release stdin, which would keep the process alive until the
// end of input: let go of it.
lines.close();
process.stdin.destroy();
