// The connection indicator: the SDK's states as a player reads them (connected, connecting,
// reconnecting while the SDK retries and resumes, offline), on `#conn[data-state]`.
import type { GlassClient, GlassClientEvents } from '../../sdk/index.js';
import { byId } from './dom.js';

export type ConnectionLabel = 'connected' | 'connecting' | 'reconnecting' | 'offline';

export function labelOf(state: GlassClientEvents['state']['state']): ConnectionLabel {
  switch (state) {
    case 'open':
      return 'connected';
    case 'connecting':
      return 'connecting';
    case 'reconnecting':
    case 'resuming':
      return 'reconnecting';
    default:
      return 'offline';
  }
}

/** Shows `client`'s state from now on; returns the function that stops. */
export function showConnection(client: GlassClient): () => void {
  const conn = byId('conn');
  const text = byId('conn-text');
  const show = (event: GlassClientEvents['state']): void => {
    const label = labelOf(event.state);
    conn.dataset.state = label;
    conn.dataset.sdkState = event.state;
    if (label === 'reconnecting' && event.state === 'reconnecting' && event.attempt !== undefined) {
      text.textContent = `reconnecting (attempt ${event.attempt}${event.delayMs !== undefined ? `, in ${(event.delayMs / 1000).toFixed(1)} s` : ''})`;
    } else if (event.state === 'resuming') text.textContent = 'reconnecting (resuming)';
    else text.textContent = label;
  };
  show({ state: client.state, previous: client.state });
  return client.on('state', show);
}

/** Resets the indicator (signed out). */
export function showOffline(): void {
  byId('conn').dataset.state = 'offline';
  byId('conn').dataset.sdkState = 'closed';
  byId('conn-text').textContent = 'offline';
}
