// How a topology is shown: one row per service (its restarts by the supervisor so far), then the ways
// in and what a shell needs.
import { formatTable, type ProbeResult } from './probes.js';
import type { DevTopology } from './state-file.js';

/** The services' table; with `probes` (glass dev status), a column saying what each probe saw. */
export function describeTopology(state: DevTopology, probes?: ReadonlyMap<string, ProbeResult>): string {
  const header = probes === undefined ? ['SERVICE', 'PID', 'RESTARTS', 'URL'] : ['SERVICE', 'PID', 'RESTARTS', 'URL', 'STATE'];
  const rows = state.services.map((s) => {
    const outside = s.restarts === undefined;
    const row = [s.name, outside ? '(outside)' : String(s.pid), outside ? '-' : String(s.restarts), s.url];
    const p = probes?.get(s.name);
    if (p !== undefined) row.push(`${p.up ? 'up' : 'DOWN'}: ${p.detail}`);
    return row;
  });
  return (
    formatTable(header, rows) +
    `\nweb client  ${state.edge.app}   (Caddy's own CA: the browser warns once)\n` +
    `websocket   ${state.edge.ws}?token=<access token>\n` +
    `a token     GLASS_TOKEN_PRIVATE_KEY_FILE=${state.env.GLASS_TOKEN_PRIVATE_KEY_FILE} glass token --player ann --character ann-char\n` +
    `supervisor  pid ${state.supervisor}, state in ${state.dir}/topology.json, logs in ${state.dir}/logs/\n`
  );
}
