// Stable codes of the load harness's own failures (usage errors are GLASS_ERR_INVALID_OPTION).
export const LoadErrors = {
  /** A node of the local cluster did not start, did not see the others in time, or exited while starting. */
  LOCAL_CLUSTER_FAILED: 'GLASS_ERR_BENCH_LOCAL_CLUSTER',
  /** A fault could not be carried out (the ops API refused it, the node was gone); the run goes on and the report says so. */
  FAULT_FAILED: 'GLASS_ERR_BENCH_FAULT',
  /** The run was stopped by SIGINT or SIGTERM; everything it started was torn down. */
  INTERRUPTED: 'GLASS_ERR_BENCH_INTERRUPTED',
  /** A library of the harness (a devDependency, not the product's) is not installed. */
  NOT_INSTALLED: 'GLASS_ERR_BENCH_NOT_INSTALLED',
} as const;
