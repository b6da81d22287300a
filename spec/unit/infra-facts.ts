// What the infra/ tests check deployment material against, read from the repository itself: the
// environment variables a node reads (the README's configuration tables and the source), and the
// metric names it exports (prom-client registrations in the source).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (these tests run from dist/spec/unit). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const NODE_PORT = 9001;

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const SOURCE_DIRS = ['bin', 'clients', 'cluster', 'runtime', 'actors', 'supervisors'];

/**
 * The OpenTelemetry SDK's own variables (the spec's names, read by the SDK the node starts, not by
 * glass code): the few a deployment sets.
 */
export const OTEL_SDK_ENV = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'] as const;

let envNames: Set<string> | undefined;

/** Every environment variable the node reads: README configuration rows, then `env.X` / `'X'` names in the source. */
export function nodeEnvNames(): Set<string> {
  if (envNames !== undefined) return envNames;
  const names = new Set<string>(OTEL_SDK_ENV);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const row of readme.split('\n').filter((l) => l.startsWith('| '))) {
    const cells = row.split('|').map((c) => c.trim());
    // `| | \`VAR\` | …` (env tables) and `| \`--flag\` | \`VAR\` | …` (flag tables): the second cell.
    for (const m of (cells[2] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]);
    if (/`_FILE`/.test(cells[2] ?? '')) for (const m of (cells[2] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(`${m[1]}_FILE`);
  }
  for (const file of SOURCE_DIRS.flatMap((d) => sources(d))) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]);
    for (const m of text.matchAll(/'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g)) if (!m[1].includes('_ERR_')) names.add(m[1]);
  }
  return (envNames = names);
}

let metricNames: Set<string> | undefined;

/** The `glass_*` metrics the node registers, with the `_bucket`/`_sum`/`_count` series of its histograms. */
export function nodeMetricNames(): Set<string> {
  if (metricNames !== undefined) return metricNames;
  const names = new Set<string>();
  for (const file of sources('clients').concat(sources('cluster'))) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '(glass_[a-z0-9_]+)'/g)) {
      names.add(m[2]);
      if (m[1] === 'Histogram' || m[1] === 'Summary') for (const s of ['_bucket', '_sum', '_count']) names.add(m[2] + s);
    }
    // Hand-made metrics registered as they are (clients/ops/hub-hop-histogram.ts): a `…_METRIC = 'glass_…'` constant, a histogram when its class says so.
    for (const m of text.matchAll(/_METRIC = '(glass_[a-z0-9_]+)'/g)) {
      names.add(m[1]);
      if (/readonly type = 'histogram'/.test(text)) for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
    }
  }
  return (metricNames = names);
}

/** Metric names a PromQL expression references (identifiers not followed by `(`, minus keywords and label names). */
export function metricsInPromql(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\[[^\]]*\]/g, '[]');
  const words = [...withoutStrings.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]);
  const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'le', 'sum', 'min', 'max', 'avg', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values']);
  // Grouping label lists: `by (node, thread)` — drop the words inside them.
  const grouped = new Set([...withoutStrings.matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((s) => s.trim())));
  return words.filter((w) => !KEYWORDS.has(w) && !grouped.has(w) && !/^\d/.test(w) && !/^\$/.test(w));
}
