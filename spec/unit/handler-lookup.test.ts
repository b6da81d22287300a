import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAILBOX, DEFAULT_PERSISTENCE, ErrorCodes, GlassError, type ActorBehaviour } from '../../runtime/index.js';
import { HostHarness } from './host-harness.js';

// A behaviour written by hand (not through defineActor, which already copies its handlers into a
// null-prototype object): its handlers are an ordinary object, so Object.prototype's names are
// "in" it. A message whose type is one of them must be refused as unknown, not call the prototype.
const plain: ActorBehaviour = {
  kind: 'plain',
  initialState: () => ({ n: 0 }),
  handlers: {
    bump(ctx: { state: { n: number } }) {
      return ++ctx.state.n;
    },
  },
  mailbox: DEFAULT_MAILBOX,
  idleAfterMs: undefined,
  supervision: undefined,
  persistence: DEFAULT_PERSISTENCE,
  readOnly: null,
};

test('a message typed after an Object.prototype name is refused as unknown, and the actor goes on', async (t) => {
  const h = new HostHarness({ actors: [plain] });
  t.after(() => h.close());
  for (const type of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
    await assert.rejects(h.ref('plain', 'p').ask({ type }), (err: unknown) => err instanceof GlassError && err.code === ErrorCodes.UNKNOWN_MESSAGE, type);
  }
  assert.equal(await h.ref('plain', 'p').ask({ type: 'bump' }), 1);
});
