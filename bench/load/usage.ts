// The help text of `glass bench` (also in `glass help`): kept apart so that `glass` loads the
// harness only when `bench` runs.
export const BENCH_USAGE = `glass bench run SCENARIO.json (--url ws://HOST:PORT/ws | --local [--nodes N]) [options]
  --url URL                the gateway to load; tokens are signed with the issuer's private key:
  --token-private-key-file F  that key's file (else GLASS_TOKEN_PRIVATE_KEY_FILE); its ops API is sampled for
                           every node's CPU and memory, and takes the kill-worker faults
  --local                  start one node + gateway in this process (temporary data dir, fresh key)
  --nodes N                --local: start a cluster of N node processes instead (N >= 2: a private
                           redis-server, one store, \`glass start\` per node; default 1); player i
                           uses node (room + its place in the room) mod N, the others as fallbacks
  --workers N              --local: worker threads per node (default 2)
  --out DIR                where <name>-<time>.json and .html go (default bench/results)
  The scenario's "faults" (kill-worker, kill-node, restart-redis) happen at their atMs; kill-node
  and restart-redis need --local --nodes N (docs/LOAD.md). Ctrl-C tears down what the run started.
  Prints a progress bar (stderr), then tables and the two files' paths (stdout).
glass bench compare A.json B.json
  The key figures of two runs and the ratios b / a.
`;
