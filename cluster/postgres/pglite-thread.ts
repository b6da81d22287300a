// The worker thread that runs PGlite for embedded-postgres.ts. PostgreSQL compiled to WebAssembly
// runs on the thread that calls it: a first start's initdb takes seconds of CPU and every query
// runs to its end, so on the node's main thread it stalled the gateway, Redis heartbeats and
// membership (other nodes saw this one leave). Here it has a thread of its own; the main thread
// keeps only the password-checking front, which pipes bytes to the Unix socket this thread serves.
//
// Messages: workerData `{dataDir, socketPath, maxConnections}`; this thread posts `{t: 'ready'}`
// or `{t: 'failed', message}`; on `{t: 'stop'}` it closes the socket server and PGlite (its files
// consistent), posts `{t: 'stopped'}` and lets the thread end.
import { parentPort, workerData } from 'node:worker_threads';

export interface PgliteThreadData {
  dataDir: string;
  socketPath: string;
  maxConnections: number;
}

export type PgliteThreadReport = { t: 'ready' } | { t: 'failed'; message: string } | { t: 'stopped' };

interface Closable {
  close(): Promise<void>;
}
interface Stoppable {
  stop(): Promise<void>;
}

const port = parentPort;
if (port !== null) {
  const data = workerData as PgliteThreadData;
  let db: Closable | null = null;
  let server: Stoppable | null = null;
  const opening = (async () => {
    const [{ PGlite }, { pg_trgm }, { PGLiteSocketServer }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/contrib/pg_trgm'),
      import('@electric-sql/pglite-socket'),
    ]);
    const pglite = await PGlite.create({ dataDir: data.dataDir, extensions: { pg_trgm } });
    db = pglite;
    await pglite.exec('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    const socket = new PGLiteSocketServer({ db: pglite, path: data.socketPath, maxConnections: data.maxConnections });
    await socket.start();
    server = socket;
  })();
  opening.then(
    () => port.postMessage({ t: 'ready' } satisfies PgliteThreadReport),
    (err: unknown) => port.postMessage({ t: 'failed', message: (err as Error)?.message ?? String(err) } satisfies PgliteThreadReport),
  );
  port.on('message', (m: unknown) => {
    if ((m as { t?: unknown } | null)?.t !== 'stop') return;
    void (async () => {
      await opening.catch(() => {});
      await server?.stop().catch(() => {});
      await db?.close().catch(() => {});
      port.postMessage({ t: 'stopped' } satisfies PgliteThreadReport);
      port.close();
    })();
  });
}
