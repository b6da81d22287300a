import { LocalTransport } from '../../runtime/index.js';
import { transportContract } from './transport.contract.js';

// One node, in memory: the ordering, loop-back and lifecycle parts of the contract apply.
transportContract('LocalTransport', {
  create: (nodeId) => new LocalTransport(nodeId),
  multiNode: false,
  encodes: false,
});
