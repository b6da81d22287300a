// Temporal is heavy to load (its client's gRPC stack, the worker's native core): no module on a
// worker's or the CLI's start path may import @temporalio/* statically. Only the sandboxed workflow
// code imports @temporalio/workflow (the bundler loads it, nothing else does), and only
// temporal-starter.js / temporal-worker.js load the client and the worker, on demand.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../../', import.meta.url));
const SERVED = ['runtime', 'supervisors', 'actors', 'cluster', 'clients', 'bin'];

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsFiles(path) : name.endsWith('.js') ? [path] : [];
  });
}

test('@temporalio/* is imported statically only by the sandboxed workflow code, dynamically only by the two loaders', () => {
  const staticImports: string[] = [];
  const dynamicImports: string[] = [];
  for (const dir of SERVED) {
    for (const file of jsFiles(join(DIST, dir))) {
      const text = readFileSync(file, 'utf8');
      const rel = relative(DIST, file);
      for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"](@temporalio\/[a-z-]+)['"]/gm)) staticImports.push(`${rel}: ${m[1]}`);
      for (const m of text.matchAll(/import\(\s*['"](@temporalio\/[a-z-]+)['"]\s*\)/g)) dynamicImports.push(`${rel}: ${m[1]}`);
    }
  }
  assert.ok(staticImports.length > 0, 'the workflow code was found');
  for (const i of staticImports) assert.match(i, /^cluster\/workflows\/workflows\/[a-z-]+\.js: @temporalio\/workflow$/, i);
  assert.deepEqual(dynamicImports.sort(), [
    'cluster/workflows/temporal-starter.js: @temporalio/client',
    'cluster/workflows/temporal-worker.js: @temporalio/common',
    'cluster/workflows/temporal-worker.js: @temporalio/worker',
  ]);
  // Nothing imports the workflow code itself: the bundler reads it from WORKFLOWS_PATH.
  const code = join(DIST, 'cluster/workflows/workflows/');
  const importers: string[] = [];
  for (const file of SERVED.flatMap((dir) => jsFiles(join(DIST, dir)))) {
    if (file.startsWith(code)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      if (resolve(dirname(file), m[1]).startsWith(code)) importers.push(relative(DIST, file));
    }
  }
  assert.deepEqual(importers, []);
});
