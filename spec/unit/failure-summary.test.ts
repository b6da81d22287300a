import { test } from 'node:test';
import assert from 'node:assert/strict';
import failureSummary from '../fixtures/failure-summary.js';

type Event = { type: string; data: { name: string; nesting: number; file?: string; details?: { error?: unknown } } };

async function summarise(events: Event[]): Promise<string> {
  async function* source(): AsyncGenerator<Event> {
    yield* events;
  }
  let out = '';
  for await (const chunk of failureSummary(source())) out += chunk;
  return out;
}

function wrapped(cause: Error, failureType = 'testCodeFailure'): Error {
  return Object.assign(new Error('test failed', { cause }), { failureType });
}

test('the failure summary names each failing test with its suite path, its file and its error, and not the suites above it', async () => {
  const out = await summarise([
    { type: 'test:start', data: { name: 'gateway', nesting: 0, file: '/a.js' } },
    { type: 'test:start', data: { name: 'other file test', nesting: 0, file: '/b.js' } },
    { type: 'test:start', data: { name: 'refuses a bad frame', nesting: 1, file: '/a.js' } },
    { type: 'test:fail', data: { name: 'refuses a bad frame', nesting: 1, file: '/a.js', details: { error: wrapped(new Error('expected E_FRAME')) } } },
    { type: 'test:pass', data: { name: 'other file test', nesting: 0, file: '/b.js' } },
    { type: 'test:fail', data: { name: 'gateway', nesting: 0, file: '/a.js', details: { error: wrapped(new Error('1 subtest failed'), 'subtestsFailed') } } },
  ]);
  assert.match(out, /# failure summary: 1 failing/);
  assert.match(out, /✖ gateway > refuses a bad frame\n {2}file: \/a\.js\n {2}Error: expected E_FRAME/);
  assert.doesNotMatch(out, /subtest failed/);
  assert.doesNotMatch(out, /other file test/);
});

test('the failure summary says so when nothing failed', async () => {
  const out = await summarise([
    { type: 'test:start', data: { name: 'a', nesting: 0, file: '/a.js' } },
    { type: 'test:pass', data: { name: 'a', nesting: 0, file: '/a.js' } },
  ]);
  assert.equal(out.trim(), '# failure summary: no test failed');
});
