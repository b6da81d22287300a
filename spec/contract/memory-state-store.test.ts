import { MemoryStateStore, createMemoryStateStore } from '../../runtime/index.js';
import { stateStoreContract } from './state-store.contract.js';

stateStoreContract('MemoryStateStore', () => new MemoryStateStore());
stateStoreContract('createMemoryStateStore (the node default)', () => createMemoryStateStore());
