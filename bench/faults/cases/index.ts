// Every case of the suite, in the order they run (cases that disturb the shared node come last).
import type { FaultCase } from '../case.js';
import { ACTOR_CASES } from './actors.js';
import { AUDIT_CASES } from './audit-down.js';
import { CLUSTER_CASES } from './cluster.js';
import { EDGE_CASES } from './edge.js';
import { EDGE_NODE_CASES } from './edge-node.js';

export const ALL_CASES: FaultCase[] = [...EDGE_CASES, ...EDGE_NODE_CASES, ...ACTOR_CASES, ...AUDIT_CASES, ...CLUSTER_CASES];
