// The help text of `glass`: the overview (glass help) and one text per command (glass CMD --help,
// bin/help.ts). The bench's part is the harness's own, kept apart so that `glass` loads the harness
// only when `bench` runs; the ops part is the ops client's own.
import { BENCH_USAGE } from '../bench/load/usage.js';
import { OPS_USAGE } from '../clients/index.js';
import { WORKFLOWS_USAGE } from './commands/workflows.js';

const OVERVIEW = `Usage: glass <command> [options]   (glass <command> --help: that command's help)

Commands:
  start    Start a node and its WebSocket gateway (ws://HOST:PORT/ws?token=<access token>)
  token    Print an access token for development: glass token --player ID --character ID
  mod      A moderator override: glass mod mute --room r1 --player alice --reason "spam"
  audit    Check the moderation audit log: glass audit verify
  archive  A room's or session's archived history: glass archive list|read --room ID [--before SEQ] [--limit N] [--json]
  backup   State checkpoints: glass backup now|list [--couch URL] [--db NAME] (docs/BACKUP.md)
  restore  Restore state into an empty CouchDB database: glass restore --at TIME [--couch URL] [--db NAME]
  ops      Look at and act on a running cluster: glass ops tree | top | … (glass ops help)
  faults   Run every fault and abuse case against real processes: glass faults [--quick] [--json] [--only a,b] (docs/RELIABILITY.md)
  workflows  Run a Temporal worker for the workflows after turns: glass workflows worker (docs/WORKFLOWS.md)
  lore     Import authored lore (Markdown, JSON) into the actor store: glass lore import DIR [--world W] (docs/SEARCH.md)
  search   Search lore and transcripts: glass search QUERY [--kind lore|transcript] [--world W] [--json] (MEILI_URL or GLASS_PG_URL)
  bench    Load a gateway from a scenario file: glass bench run s.json --local (docs/LOAD.md)
  dev      The local topology (Caddy, two nodes, Redis, the stores): glass dev up|down|status [--dir D] (README.md)
  help     Show this help (glass help COMMAND: that command's)
`;

export const START_USAGE = `glass start [--port N] [--host H] [--workers N] [--idle-ms N] [--log-level L] [--node-id ID] [--redis URL] [--cluster NAME]

Options for start (environment variable in brackets):
  --port N          Port of the gateway, 0 for any free port [PORT] (default 9001)
  --host H          Address to listen on [HOST] (default 127.0.0.1: this machine only; 0.0.0.0 for every interface)
  --workers N       Worker threads hosting actors [GLASS_WORKERS] (default: CPU count)
  --idle-ms N       Idle time before an actor is passivated [GLASS_IDLE_MS] (default 300000)
  --log-level L     fatal, error, warn, info, debug, trace or silent [LOG_LEVEL] (default info)
  --node-id ID      This node's id in the cluster [GLASS_NODE_ID] (default <hostname>-<pid>)
  --redis URL       Join the cluster on this Redis [REDIS_URL] (default: run alone)
  --cluster NAME    Cluster name: the Redis key prefix [GLASS_CLUSTER] (default glass)

Cluster: with --redis (or REDIS_URL) the node joins the other nodes of the same cluster name on
that Redis; actors are placed over all live nodes, and a player on any node reaches any room.

Actor state: the CouchDB at COUCHDB_URL, else an embedded server on GLASS_DATA_DIR (default .data/couch).

Archive (start and archive; docs/ARCHIVE.md): room lines and session turns that age out of the hot state go to
MinIO/S3 at GLASS_S3_URL (with GLASS_S3_ACCESS_KEY, GLASS_S3_SECRET_KEY, GLASS_S3_BUCKET default glass,
GLASS_S3_REGION default us-east-1), else to files under GLASS_OBJECTS_DIR (default .data/objects).

Edge limits and the watchdog (start; environment only, unset keeps the default):
  GLASS_MAX_ROOM_MEMBERS N        Members a room may have; the next join is GLASS_ERR_ROOM_FULL (default 200)
  GLASS_MAX_CONNECTIONS_PER_IP N  Open WebSockets per client address (default 500)
  GLASS_TRUSTED_PROXIES A,B       Reverse proxies (IP addresses, CIDR blocks) whose X-Forwarded-For names the client (default none)
  GLASS_TEXT_BYTES_PER_SECOND N   Text bytes of say and turn per player per second (default 10240)
  GLASS_TEXT_BYTES_BURST N        ... and at once, at least 16384 (default 80000)
  GLASS_CREATION_POLICY P         Who creates rooms and sessions: open, listed or moderators (default open)
  GLASS_CREATION_LISTED A,B       The ids players may create under listed
  GLASS_CREATES_PER_HOUR N        Rooms and sessions one player may create per hour under open (default 100)
  GLASS_BLOCKED_AFTER_MS N        A worker blocked this long is ended and restarted; 0: off (default 3000)

Keys (start): access tokens are verified with GLASS_TOKEN_PUBLIC_KEY (PEM or JWK text), else the
file GLASS_TOKEN_PUBLIC_KEY_FILE (see glass token --help). Resume tokens: the nodes' own secret
GLASS_TOKEN_SECRET (at least 32 characters; every node of a cluster needs the same), else the file
GLASS_TOKEN_SECRET_FILE (default .data/token-secret), created with a random key and mode 0600 on
first use; it signs no access token.

Moderation audit log (start and audit): PostgreSQL at GLASS_PG_URL (else DATABASE_URL), tables in
schema GLASS_PG_SCHEMA (default public), created at start. Without it, the embedded PostgreSQL
(PGlite on GLASS_PG_DATA_DIR, default .data/pg, loopback, a password per start); overrides are
refused (GLASS_ERR_AUDIT_UNAVAILABLE) until the log is ready; players are served either way.
Exported every GLASS_AUDIT_EXPORT_EVERY_MS (default nightly) to the glass-audit bucket; state
checkpoints every GLASS_CHECKPOINT_EVERY_MS (default hourly) to glass-checkpoints (docs/BACKUP.md).

Workflows (start): TEMPORAL_ADDRESS host:port starts them on Temporal (TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE);
without it they run in process. GLASS_WORLD names the lore's world; GLASS_MODERATION_WEBHOOKS where notices go.

Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 on a failure, 2 on a usage error.
`;

export const TOKEN_USAGE = `glass token --player ID --character ID [--role R]... [--ttl T]
  --player ID       The player's id (required)
  --character ID    The character's id (required)
  --role R          player, moderator or ops; repeat for several (default player)
  --ttl T           Life of the token: 90s, 30m, 1h, 7d (default 1h, at most 30d)
  Prints the token alone on stdout.

Token keys: access tokens are signed with the issuer's private key (Ed25519 or P-256) and verified
with its public key. start: GLASS_TOKEN_PUBLIC_KEY (PEM or JWK text), else the file
GLASS_TOKEN_PUBLIC_KEY_FILE (every node of a cluster gets the same; nodes need no private key).
token, mod --as, ops: the private key file GLASS_TOKEN_PRIVATE_KEY_FILE (PEM or JWK, mode 0600);
with a public key but no private key they refuse. With no key configured at all (development),
both use the pair generated once under .data/ (token-private-key.pem 0600, token-public-key.pem).
`;

export const MOD_USAGE = `glass mod COMMAND (--room ID | --session ID) [options]
  COMMAND           mute, unmute, kick, pause, resume, lock, unlock, redact, narrate or note
  --player ID       mute, unmute, kick: the player
  --seq N           redact: the room line's seq (or the session turn's number)
  --text T          narrate, note: the text
  --reason R        why (required except for narrate and note)
  --url URL         the gateway [GLASS_URL] (default http://127.0.0.1:9001)
  --token T         an access token with the moderator role [GLASS_MOD_TOKEN]
  --as ID           without a token: sign a 5-minute moderator token as ID with the local token key
  gm-queue          list the human GM queue (docs/BUDGETS.md); gm-take --session ID takes an item
  Prints the override's audit ref as JSON (exit 0). Exit 1 if it was refused or no gateway
  answered ("glass: CODE: message" on stderr), 2 on a usage error (nothing sent).
`;

export const AUDIT_USAGE = `glass audit verify [--anchor FILE]
  Needs PostgreSQL as the nodes have it (GLASS_PG_URL, else DATABASE_URL, else the embedded one
  of this directory; GLASS_PG_SCHEMA). Also checks it against the audit export, if any (a row
  changed after export: exit 3, named by id).
  Walks the audit chain with the audit key (GLASS_AUDIT_KEY, else GLASS_AUDIT_KEY_FILE, default
  .data/audit-key) against its anchor (--anchor, else GLASS_AUDIT_ANCHOR_FILE, default
  .data/audit-anchor[-SCHEMA]). Exit 0 ok, 3 tampered (the row and the kind: altered, inserted,
  deleted, emptied), 4 no anchor, 1 cannot verify (PostgreSQL, key or anchor).
`;

export const ARCHIVE_USAGE = `glass archive list|read (--room ID | --session ID) [--before SEQ] [--limit N] [--json]
  list              the archived chunks of the room or session (first-last seq, key)
  read              its archived entries, newest page first; --before SEQ goes on from there
  --limit N         entries per page (default 50)
  Reads the ObjectStore straight: GLASS_S3_URL (GLASS_S3_ACCESS_KEY, GLASS_S3_SECRET_KEY,
  GLASS_S3_BUCKET, GLASS_S3_REGION), else files under GLASS_OBJECTS_DIR (default .data/objects).
  Exit 0 ok, 1 the store failed or a chunk is corrupt (GLASS_ERR_ARCHIVE_*), 2 usage (docs/ARCHIVE.md).
`;

export const BACKUP_USAGE = `glass backup now|list [--couch URL] [--db NAME] [--json]
  now               take a checkpoint of the actor state now (incremental from CouchDB's _changes);
                    needs the CouchDB: COUCHDB_URL or --couch URL
  list              the checkpoints in the glass-checkpoints bucket (number, time, documents, chunks)
  --db NAME         the state database (default the nodes' own)
  The bucket is in the ObjectStore of GLASS_S3_URL…, else beside GLASS_OBJECTS_DIR (docs/BACKUP.md).
  Exit 0 ok, 1 failed (GLASS_ERR_CHECKPOINT_*), 2 usage.
`;

export const RESTORE_USAGE = `glass restore --at TIME [--couch URL] [--db NAME] [--from-db NAME]
  --at TIME         the newest checkpoint at or before TIME (ISO 8601 or epoch ms) is restored
  --couch URL       the CouchDB to restore into [COUCHDB_URL]
  --db NAME         the database to restore into: it must be empty (default the nodes' own)
  --from-db NAME    whose checkpoints to restore (default --db)
  Exit 0 ok, 1 failed (GLASS_ERR_CHECKPOINT_*, GLASS_ERR_RESTORE_NOT_EMPTY), 2 usage (docs/BACKUP.md).
`;

export const FAULTS_USAGE = `glass faults [--quick] [--json] [--only CASE,CASE]
  Runs every fault and abuse case (worker crash, node loss, Redis restart, store outage, floods…)
  against real processes and prints a table of what each case saw (docs/RELIABILITY.md).
  --quick           the short version of each case
  --json            also print the summary as JSON
  --only A,B        only these cases (an unknown name is a usage error that lists the cases)
  Exit 0 every case passed, 1 one failed, 2 usage.
`;

export const LORE_USAGE = `glass lore import DIR [--world NAME]
  Imports authored lore (Markdown, JSON) from DIR into the actor store as lore:<world>:<slug>
  documents (world default sample); the node's indexer picks them up from CouchDB's _changes.
  COUCHDB_URL, else the embedded server on GLASS_DATA_DIR (no node may hold it). Exit 0, 1 when a
  file was skipped, 2 usage (docs/SEARCH.md).
`;

export const SEARCH_USAGE = `glass search QUERY [--kind lore|transcript] [--world W] [--session ID] [--limit N] [--json]
  Asks the index the nodes write: Meilisearch at MEILI_URL (MEILI_KEY), else PostgreSQL at
  GLASS_PG_URL (GLASS_PG_SCHEMA). The embedded index belongs to the running node: search it through
  the gateway (the search frame). --limit at most 50. Exit 0, 1 failed, 2 usage (docs/SEARCH.md).
`;

export const DEV_USAGE = `glass dev up [--dir D] [--nodes N] [--workers N] [--edge-port P] [--prometheus] [--detach]
             [--max-restarts N] [--restart-period S]
glass dev down [--dir D] [--timeout-ms N]
glass dev status [--dir D] [--json]
  up                the local topology from this machine's packages, until SIGINT/SIGTERM: its own
                    redis-server (or REDIS_URL), the embedded CouchDB-protocol server (or COUCHDB_URL)
                    and PostgreSQL (or GLASS_PG_URL), N glass start nodes on one cluster, Caddy
                    (infra/caddy/Caddyfile.local, tls internal) in front of them, and with --prometheus
                    Prometheus scraping the nodes. Writes D/topology.json (pids, ports, URLs, the token
                    key to sign with) once every service answers, prints the services, restarts one
                    that dies (with backoff, on its port), and on SIGINT/SIGTERM stops them in reverse
                    dependency order (Caddy, the nodes, the stores; SIGKILL past a grace period). Each
                    runs in a process group of its own (Ctrl-C reaches the supervisor alone) and dies
                    with the supervisor (setpriv --pdeathsig). Every step: D/logs/events.jsonl. Needs
                    caddy (apt-get install caddy; prometheus too with --prometheus), setpriv
                    (util-linux) and dist/app for /app (node clients/web/build.mjs).
  down              signals the supervisor of D and waits for it to exit (--timeout-ms, default 60000)
  status            probes each service of D (process, node /readyz, Caddy, Prometheus, Redis, stores);
                    shows each one's restarts, and "failed" for one given up on
  --dir D           the topology's directory: state file, keys, data, logs (default .data/dev)
  --nodes N         nodes, 1 to 8 (default 2); --workers N: worker threads of each (default 2)
  --edge-port P     Caddy's HTTPS port on 127.0.0.1 (default 8443; 0: any free port)
  --max-restarts N  restarts of one service within --restart-period before it is given up on and
                    left down (default 5; 0: nothing is restarted); --restart-period S: seconds (300)
  --detach          start the supervisor in the background (its output in D/logs/supervisor.log) and
                    return once the topology is ready (exit 0) or failed to start (exit 1)
  Exit codes: up and down 0 ok, 1 failed (GLASS_ERR_DEV_*); status 0 every service up, 1 one is down,
  3 no topology running; 2 on a usage error.
`;

/** One command's help, as `glass CMD --help` prints it; subcommands, when the command has them. */
export interface CommandHelp {
  readonly usage: string;
  readonly subcommands?: readonly string[];
}

/** Every command of glass: what `glass CMD --help` prints. */
export const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  start: { usage: START_USAGE },
  token: { usage: TOKEN_USAGE },
  mod: { usage: MOD_USAGE, subcommands: ['mute', 'unmute', 'kick', 'pause', 'resume', 'lock', 'unlock', 'redact', 'narrate', 'note', 'gm-queue', 'gm-take'] },
  audit: { usage: AUDIT_USAGE, subcommands: ['verify'] },
  archive: { usage: ARCHIVE_USAGE, subcommands: ['list', 'read'] },
  backup: { usage: BACKUP_USAGE, subcommands: ['now', 'list'] },
  restore: { usage: RESTORE_USAGE },
  ops: { usage: OPS_USAGE, subcommands: ['tree', 'top', 'passivate', 'restart', 'redrive', 'drop', 'drain-worker', 'crash-worker', 'drain-node', 'help'] },
  faults: { usage: FAULTS_USAGE },
  workflows: { usage: WORKFLOWS_USAGE, subcommands: ['worker'] },
  lore: { usage: LORE_USAGE, subcommands: ['import'] },
  search: { usage: SEARCH_USAGE },
  bench: { usage: BENCH_USAGE, subcommands: ['run', 'compare'] },
  dev: { usage: DEV_USAGE, subcommands: ['up', 'down', 'status'] },
};

export const USAGE = `${OVERVIEW}
${START_USAGE}
${TOKEN_USAGE}
${MOD_USAGE}
${AUDIT_USAGE}
${ARCHIVE_USAGE}
${BACKUP_USAGE}
${RESTORE_USAGE}
${FAULTS_USAGE}
${WORKFLOWS_USAGE}
${LORE_USAGE}
${SEARCH_USAGE}
${BENCH_USAGE}
${DEV_USAGE}`;
