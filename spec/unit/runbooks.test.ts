// The runbooks of docs/ops/ name only commands that exist: every `glass CMD [SUB]` in their code
// (fenced sh blocks and inline code) is run as `glass CMD [SUB] --help` and must answer with exit 0
// and a usage that names it. They also keep their shape (symptoms, diagnosis, actions,
// verification), the index lists each of them, scaling.md covers every signal of the ops view, and
// every glass_* name (metrics, tables, databases), GLASS_* variable and error code they cite is one
// the code or the docs define.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { COMMANDS } from '../../bin/usage.js';
import { SCALING_TRIGGERS } from '../../clients/ops/ops-signals.js';

const GLASS = fileURLToPath(new URL('../../bin/glass.js', import.meta.url));
// The compiled test runs from dist/spec/unit; the documents and sources are in the checkout.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OPS = join(ROOT, 'docs', 'ops');

const runbooks = readdirSync(OPS)
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((file) => ({ file, text: readFileSync(join(OPS, file), 'utf8') }));

/** The text of every fenced sh block and every inline code span of a Markdown text. */
function codeOf(markdown: string): string[] {
  const code: string[] = [];
  const prose = markdown.replace(/^[ \t]*```sh\n([\s\S]*?)^[ \t]*```$/gm, (_all, block: string) => {
    code.push(block);
    return '';
  });
  for (const m of prose.matchAll(/`([^`\n]+)`/g)) code.push(m[1]);
  return code;
}

/** `glass CMD [SUB]` invocations: SUB is the next word when it is not an option. */
function glassInvocations(code: string): string[][] {
  const found: string[][] = [];
  for (const m of code.matchAll(/(?:^|[\s(;|&])glass[ \t]+([a-z][a-z0-9-]*)(?:[ \t]+([a-z][a-z0-9-]*))?/gm)) {
    found.push(m[2] === undefined ? [m[1]] : [m[1], m[2]]);
  }
  return found;
}

const invocations = new Map<string, { args: string[]; files: Set<string> }>();
for (const { file, text } of runbooks) {
  for (const code of codeOf(text)) {
    for (const args of glassInvocations(code)) {
      const key = args.join(' ');
      const entry = invocations.get(key) ?? { args, files: new Set<string>() };
      entry.files.add(file);
      invocations.set(key, entry);
    }
  }
}

interface Answer {
  status: number | null;
  stdout: string;
  stderr: string;
}

function glassHelp(args: string[]): Promise<Answer> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GLASS, ...args, '--help'], { encoding: 'utf8', timeout: 15_000, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status, stdout, stderr });
    });
  });
}

/** Runs at most `n` of the tasks given to it at once, in order. */
function withLimit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

describe('docs/ops runbooks', () => {
  test('the extraction finds the commands of every runbook', () => {
    assert.deepEqual(glassInvocations('x=$(glass token --player a) && glass ops tree --json; glass_actors glass-audit'), [['token'], ['ops', 'tree']]);
    assert.ok(runbooks.length >= 10, `${runbooks.length} runbooks`);
    assert.ok(invocations.size >= 20, `${invocations.size} distinct invocations`);
    for (const { file, text } of runbooks) {
      if (file === 'README.md') continue;
      assert.ok(codeOf(text).some((c) => glassInvocations(c).length > 0), `${file} names no glass command`);
    }
  });

  // A few at a time: each is a node process loading the whole CLI.
  const help = withLimit(3);
  for (const { args, files } of invocations.values()) {
    const [command, sub] = args;
    const answer = help(() => glassHelp(args));
    test(`glass ${args.join(' ')} exists (${[...files].join(', ')})`, async () => {
      const r = await answer;
      assert.equal(r.status, 0, `glass ${args.join(' ')} --help: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stdout, new RegExp(`glass ${command}\\b`), 'the usage names the command');
      if (sub !== undefined && COMMANDS[command]?.subcommands !== undefined) assert.match(r.stdout, new RegExp(`\\b${sub}\\b`), `the usage names ${sub}`);
    });
  }

  test('each runbook has its symptoms, diagnosis, actions and verification; the index lists every one', () => {
    const index = runbooks.find((r) => r.file === 'README.md');
    assert.ok(index !== undefined, 'docs/ops/README.md');
    for (const { file, text } of runbooks) {
      if (file === 'README.md') continue;
      assert.ok(index.text.includes(`](${file})`), `README.md links ${file}`);
      if (file === 'scaling.md') continue;
      for (const section of ['Symptoms', 'Diagnosis', 'Actions', 'Verification']) {
        assert.match(text, new RegExp(`^## ${section}`, 'm'), `${file}: ## ${section}`);
      }
    }
  });

  test('scaling.md has a section for every scaling signal of the ops view', () => {
    const scaling = runbooks.find((r) => r.file === 'scaling.md');
    assert.ok(scaling !== undefined);
    const headings = scaling.text.split('\n').filter((l) => l.startsWith('## '));
    for (const { id } of SCALING_TRIGGERS) assert.ok(headings.some((h) => h.includes(`\`${id}\``)), `a heading names ${id}`);
  });

  test('every glass_* name, GLASS_* variable and GLASS_ERR_* code the runbooks cite is in the code (or, composed there, in docs/)', () => {
    const sources: string[] = readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => readFileSync(join(ROOT, 'docs', f), 'utf8'));
    for (const dir of ['runtime', 'cluster', 'clients', 'actors', 'bin']) {
      for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
        if (entry.isFile() && entry.name.endsWith('.ts')) sources.push(readFileSync(join(entry.parentPath, entry.name), 'utf8'));
      }
    }
    const code = sources.join('\n');
    const cited = new Set(runbooks.flatMap(({ text }) => [...text.matchAll(/\bglass_[a-z_]+[a-z]|\bGLASS_[A-Z0-9_]*[A-Z0-9]\b/g)].map((m) => m[0])));
    assert.ok(cited.size > 40);
    for (const name of cited) assert.ok(code.includes(name), `${name} is not in runtime/, cluster/, clients/, actors/, bin/ or docs/*.md`);
  });
});
