// The help text of `glass bench` (also in `glass help`): kept apart so that `glass` loads the
// harness only when `bench` runs.
export const BENCH_USAGE = `glass bench run SCENARIO.json (--url ws://HOST:PORT/ws | --local) [options]
  --url URL                the gateway to load; tokens are signed with the cluster's key:
  --token-secret-file F    that key's file (else GLASS_TOKEN_SECRET)
  --local                  start one node + gateway in this process (temporary data dir, fresh key)
  --workers N              --local: the node's worker threads (default 2)
  --out DIR                where <name>-<time>.json and .html go (default bench/results)
  Prints a progress bar (stderr), then a table and the two files' paths (stdout).
glass bench compare A.json B.json
  The key figures of two runs and the ratios b / a.
`;
