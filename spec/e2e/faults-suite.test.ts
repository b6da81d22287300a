// The fault suite's quick profile (`glass faults --quick --json`) as a child process: every case
// passes with nothing acknowledged lost and nothing duplicated, and its last line is the
// documented JSON object (docs/RELIABILITY.md).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));

test('glass faults --quick: every case passes, none lost, none duplicated; the JSON line has the documented fields', { timeout: 300_000 }, async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [GLASS, 'faults', '--quick', '--json'], { maxBuffer: 16 * 1024 * 1024, timeout: 280_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1, stdout, stderr }),
    ),
  );
  const last = stdout.trim().split('\n').at(-1) ?? '';
  const summary = JSON.parse(last) as { suite: string; cases: number; passed: number; failed: number; lost: number; duplicated: number; rows: { case: string; expected: string; observed: string; passed: boolean; lost: number; duplicated: number; recoveryMs: number | null }[] };
  assert.equal(summary.suite, 'faults');
  assert.equal(summary.rows.length, summary.cases);
  assert.ok(summary.cases >= 10, `${summary.cases} cases`);
  for (const row of summary.rows) {
    assert.deepEqual(Object.keys(row).sort(), ['case', 'duplicated', 'expected', 'lost', 'observed', 'passed', 'recoveryMs']);
    assert.equal(row.passed, true, `${row.case}: ${row.observed}`);
    assert.equal(row.lost, 0, `${row.case} lost`);
    assert.equal(row.duplicated, 0, `${row.case} duplicated`);
  }
  assert.equal(summary.failed, 0);
  assert.equal(summary.passed, summary.cases);
  assert.equal(summary.lost, 0);
  assert.equal(summary.duplicated, 0);
  assert.equal(code, 0, stderr.slice(-2_000));
});
