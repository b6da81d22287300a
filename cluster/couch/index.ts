// The CouchDB room: the StateStore on CouchDB (nano), its options, and the embedded
// CouchDB-protocol server of the development default. Workers load couch-state-store.ts by
// reference (cluster/worker-modules.ts), not this entry.
export { CouchStateStore, createCouchStateStore, COUCH_STATE_STORE_MODULE } from './couch-state-store.js';
export { DEFAULT_COUCH_DB, DEFAULT_COUCH_RETRY, redactCredentials, type CouchRetryOptions, type CouchStateStoreOptions } from './couch-options.js';
export { EMBEDDED_COUCH_SECRET_ENV, EMBEDDED_COUCH_USER, EmbeddedCouchError, embeddedCouchSecret, startEmbeddedCouch, type EmbeddedCouch, type EmbeddedCouchExit, type EmbeddedCouchOptions } from './embedded-couch.js';
export { SupervisedCouch, type SupervisedCouchEvents, type SupervisedCouchOptions, type SupervisedCouchStatus } from './embedded-couch-supervisor.js';
export { CouchProbe, probeCouch, type CouchProbeStatus } from './couch-probe.js';
