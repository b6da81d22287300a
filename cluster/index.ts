export { HashringPlacement, createHashringPlacement } from './hashring-placement.js';
export {
  COUCH_STATE_STORE_MODULE,
  DEFAULT_COUCH_DB,
  DEFAULT_DATA_DIR,
  MEMORY_STORE,
  couchStoreRef,
  defaultNodeOptions,
  startDefaultNode,
  startStateBackend,
  type StateBackend,
} from './default-node.js';
export { WORKER_SUPERVISOR } from './default-node.js';
export { CouchStateStore, createCouchStateStore } from './couch-state-store.js';
export { redactCredentials, type CouchRetryOptions, type CouchStateStoreOptions } from './couch-options.js';
export { EmbeddedCouchError, startEmbeddedCouch, type EmbeddedCouch, type EmbeddedCouchOptions } from './embedded-couch.js';
