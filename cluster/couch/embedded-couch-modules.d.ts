// pouchdb-node and express-pouchdb ship no types; only what the embedded server uses is declared.
declare module 'pouchdb-node' {
  export interface PouchDBConstructor {
    new (name: string): { info(): Promise<unknown>; compact(): Promise<unknown> };
    defaults(options: { prefix: string; revs_limit?: number; auto_compaction?: boolean }): PouchDBConstructor;
    /** pouchdb-all-dbs, installed by express-pouchdb. */
    allDbs(): Promise<string[]>;
  }
  const PouchDB: PouchDBConstructor;
  export default PouchDB;
}

declare module 'express-pouchdb' {
  import type { IncomingMessage, Server, ServerResponse } from 'node:http';
  export interface ExpressPouchDBOptions {
    mode?: 'minimumForPouchDB' | 'fullCouchDB' | 'custom';
    configPath?: string;
    logPath?: string;
    overrideMode?: { include?: string[]; exclude?: string[] };
  }
  export interface ExpressPouchDBApp {
    (req: IncomingMessage, res: ServerResponse): void;
    listen(port: number, host: string): Server;
  }
  export default function expressPouchDB(PouchDB: unknown, options?: ExpressPouchDBOptions): ExpressPouchDBApp;
}
