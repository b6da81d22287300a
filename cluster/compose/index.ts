// The composition room: the one place that builds a node from the cluster's parts, embedded
// (startDefaultNode) or on Redis (startClusterNode). What workers build for themselves comes from
// cluster/worker-modules.ts.
export { defaultNodeOptions, startClusterNode, startDefaultNode, type ClusterNodeOptions } from './compose-node.js';
export { DEFAULT_DATA_DIR, couchStoreRef, startStateBackend, type StateBackend } from './state-backend.js';
export { DEV_SHARED_STORE_ENV, SharedStoreErrors, startSharedDevStore } from './shared-dev-store.js';
