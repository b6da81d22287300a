#!/usr/bin/env node
// Builds the player web client into dist/app (served at /app, docs/WEB.md): type-checks the page
// (clients/web/page/tsconfig.json: DOM, apart from the node's program), bundles it with the SDK for
// browsers with esbuild (one script, one stylesheet, names with a content hash), and writes
// index.html pointing at them. Run by `npm run build` after `tsc -p .`; `--no-check` skips the type check.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * zod re-exports every locale as a namespace (`export * as locales`, in v4/classic and v4/core),
 * which esbuild cannot tree-shake: 264 kB of the 506 kB bundle were the 50-odd locales, and nothing
 * reads `z.locales`. Its barrel resolves to one re-exporting English only, the locale zod configures
 * itself with (colinhacks/zod#6050; the same shim as costajohnt/oss-autopilot#1658's).
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (args.importer.includes(`${join('node_modules', 'zod')}`) ? { path: join(dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`, loader: 'js', resolveDir: dirname(args.path) }));
  },
};
const page = join(root, 'clients', 'web', 'page');
const out = join(root, 'dist', 'app');
const assets = join(out, 'assets');

if (!process.argv.includes('--no-check')) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', relative(root, page)], { cwd: root, stdio: 'inherit' });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { app: join(page, 'main.ts'), style: join(page, 'app.css') },
  outdir: assets,
  entryNames: '[name]-[hash]',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
});

/** The output file of an entry point, by the entry's source path. */
function outputOf(source) {
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint !== undefined && join(root, meta.entryPoint) === source) return basename(file);
  }
  throw new Error(`esbuild wrote no output for ${source}`);
}

const html = readFileSync(join(page, 'index.html'), 'utf8')
  .replace('__SCRIPT__', outputOf(join(page, 'main.ts')))
  .replace('__STYLE__', outputOf(join(page, 'app.css')));
writeFileSync(join(out, 'index.html'), html);
// Small static files, served under their own names (no hash: revalidated, `no-cache`).
for (const name of ['icon.svg']) copyFileSync(join(page, name), join(assets, name));
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`web client: ${relative(root, out)} (${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} kB)`);
