// Reading a process's CPU time and RSS from /proc (bench/load/resources/proc-reading.ts): the parsing, and a
// live reading of this very process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStat, parseVmRss, readProc } from '../../bench/load/resources/proc-reading.js';

test('utime + stime come from fields 14 and 15, counted after the last ")" of the command name', () => {
  // A command name with a space and a parenthesis; utime 250, stime 50 ticks.
  const line = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 12345 1000000 5000 18446744073709551615';
  assert.deepEqual(parseStat(line, 100), { cpuSec: 3, state: 'S' });
  assert.equal(parseStat('garbage'), null);
  assert.equal(parseVmRss('Name:\tnode\nVmRSS:\t  123456 kB\nThreads:\t11\n'), 123456 * 1024);
  assert.equal(parseVmRss('Name:\tnode\nState:\tZ (zombie)\n'), null, 'a zombie has no VmRSS');
});

test('a live process reads with CPU time and RSS; a process that is not there reads as null', async () => {
  const r = await readProc(process.pid);
  assert.ok(r !== null && r.cpuSec > 0 && r.rssBytes > 10 * 2 ** 20, JSON.stringify(r));
  assert.equal(await readProc(2 ** 22 + 7), null);
});
