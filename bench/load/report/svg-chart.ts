// A line chart as an inline SVG string: axes with a few ticks, one polyline per series, a legend.
// No script, no external reference: it draws the same in a browser, a mail or a file viewer.

export interface Series {
  name: string;
  color: string;
  /** [x, y]; a null y breaks the line. */
  points: readonly (readonly [number, number | null])[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Labels of x ticks instead of numbers (e.g. percentiles on a transformed axis). */
  xTicks?: readonly { x: number; label: string }[];
  /** Vertical dashed lines at x with a short label (e.g. the faults of a run). */
  markers?: readonly { x: number; label: string }[];
  width?: number;
  height?: number;
}

const PAD = { left: 64, right: 16, top: 36, bottom: 48 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Round tick values covering [0, max]. */
function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

const fmt = (v: number): string => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(3).replace(/\.?0+$/, ''));

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 300;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]).filter((y): y is number => y !== null));
  const xMin = Math.min(0, ...xs);
  const xMax = Math.max(xMin + 1, ...xs);
  const yTicks = niceTicks(Math.max(0, ...ys));
  const yMax = yTicks[yTicks.length - 1];
  const px = (x: number): number => PAD.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const py = (y: number): number => PAD.top + plotH - (y / yMax) * plotH;
  const xTicks = o.xTicks ?? niceTicks(xMax - xMin, 8).map((v) => ({ x: xMin + v, label: fmt(xMin + v) })).filter((t) => t.x <= xMax);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(o.title)}" font-family="sans-serif" font-size="11">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(o.title)}</text>`,
  ];
  for (const v of yTicks) {
    const y = py(v).toFixed(1);
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y}" y2="${y}" stroke="#ddd"/>`, `<text x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`);
  }
  for (const t of xTicks) {
    const x = px(t.x).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH + 4}" stroke="#333"/>`, `<text x="${x}" y="${PAD.top + plotH + 16}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  parts.push(
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    `<text transform="translate(14 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`,
  );
  for (const m of o.markers ?? []) {
    const x = px(m.x).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#555" stroke-width="1" stroke-dasharray="4 3"/>`,
      `<text x="${x}" y="${PAD.top + 10}" dx="3" fill="#555">${escapeXml(m.label)}</text>`,
    );
  }
  o.series.forEach((s, i) => {
    // Consecutive points with a value form one polyline; a null starts the next.
    let run: string[] = [];
    const flush = (): void => {
      if (run.length === 1) parts.push(`<circle cx="${run[0].split(',')[0]}" cy="${run[0].split(',')[1]}" r="2.5" fill="${s.color}"/>`);
      else if (run.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${run.join(' ')}"/>`);
      run = [];
    };
    for (const [x, y] of s.points) {
      if (y === null) flush();
      else run.push(`${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    }
    flush();
    const lx = PAD.left + 10 + i * 130;
    parts.push(`<rect x="${lx}" y="${PAD.top - 14}" width="12" height="4" fill="${s.color}"/>`, `<text x="${lx + 16}" y="${PAD.top - 10}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
