// The archive room: the ObjectStore implementations (filesystem for the embedded node, MinIO/S3 by
// configuration) and what the node builds from them.
export { DEFAULT_OBJECTS_DIR, FsObjectStore, createFsObjectStore, type FsObjectStoreOptions } from './fs-object-store.js';
export { S3ObjectStore, createS3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store.js';
export {
  DEFAULT_S3_BUCKET,
  OBJECT_STORE_SERVICE,
  createObjectStore,
  createObjectStoreService,
  objectStoreConfig,
  objectStoreConfigForBucket,
  objectStoreConfigFromEnv,
  type ObjectStoreConfig,
} from './object-store-config.js';
