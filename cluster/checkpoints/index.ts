// The checkpoints room: snapshots of the actor state documents to the ObjectStore, incremental from
// CouchDB's `_changes`, on a schedule, and restore into an empty store.
export { CHUNK_BYTES, CheckpointError, CheckpointErrors, type CheckpointManifest } from './checkpoint-format.js';
export { Checkpoints, type CheckpointSummary, type CheckpointsOptions } from './checkpoints.js';
export { CheckpointSchedule, DEFAULT_CHECKPOINT_EVERY_MS, type CheckpointScheduleOptions } from './checkpoint-schedule.js';
export { CHECKPOINT_BUCKET, checkpointsForNode, couchOfStore } from './node-checkpoints.js';
