// LangGraph's conformance suite for checkpointers, run by vitest (npm test runs it after node --test):
// the StoreCheckpointer over the memory store and over the CouchDB store on the embedded server.
import { validate } from '@langchain/langgraph-checkpoint-validation';
import { createStoreCheckpointer, type StoreCheckpointer } from '../../actors/session/store-checkpointer.js';
import { createCouchStateStore } from '../../cluster/index.js';
import { MemoryStateStore, type StateStore } from '../../runtime/index.js';
import { dbNamer, startTestCouch } from '../contract/couch-harness.js';

const stores = new WeakMap<StoreCheckpointer, StateStore>();

function open(store: StateStore): StoreCheckpointer {
  const checkpointer = createStoreCheckpointer(store);
  stores.set(checkpointer, store);
  return checkpointer;
}

async function destroy(checkpointer: StoreCheckpointer): Promise<void> {
  await stores.get(checkpointer)?.close();
}

validate({
  checkpointerName: 'StoreCheckpointer (MemoryStateStore)',
  createCheckpointer: () => open(new MemoryStateStore()),
  destroyCheckpointer: destroy,
});

let couch: Awaited<ReturnType<typeof startTestCouch>> | undefined;
const nextDb = dbNamer('glass_langgraph');

validate({
  checkpointerName: 'StoreCheckpointer (CouchStateStore, embedded server)',
  beforeAll: async () => {
    couch = await startTestCouch('langgraph-validate');
  },
  beforeAllTimeout: 30_000,
  afterAll: () => couch?.stop(),
  // Each checkpointer gets a database of its own: an empty store.
  createCheckpointer: () => open(createCouchStateStore({ url: couch!.couch.url, db: nextDb() })),
  destroyCheckpointer: destroy,
});
