/**
 * linear.svg / linear.html: the concurrent window around the op that cannot
 * be linearized, one lane per process, in the spirit of Knossos' linear.svg
 * and Porcupine's visualizer. Self-contained: no scripts, no external files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailureReport } from './explain.js';
import { describeOp, type Model } from './model.js';
import type { PreparedOp } from './prepare.js';

const LANE_PX = 34;
const STEP_PX = 26;
const LEFT_PX = 90;
const TOP_PX = 56;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderFailureSvg<S>(
  model: Model<S>,
  ops: readonly PreparedOp[],
  failing: number,
  prefix: readonly number[],
  report: FailureReport,
): string {
  const x = ops[failing];
  const order = new Map<number, number>();
  prefix.forEach((id, i) => {
    order.set(id, i + 1);
  });
  // The window: ops overlapping the failing one, plus the last few linearized before it.
  const shown = new Set<number>();
  ops.forEach((o, i) => {
    if (o.callPos < x.retPos && o.retPos > x.callPos) shown.add(i);
  });
  for (const id of prefix.slice(-12)) shown.add(id);
  const ids = [...shown].sort((a, b) => ops[a].callPos - ops[b].callPos);
  const end = (o: PreparedOp) =>
    o.retPos === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : o.retPos;
  const positions = [
    ...new Set(
      ids.flatMap((i) => [ops[i].callPos, end(ops[i])]).filter((p) => p !== Number.POSITIVE_INFINITY),
    ),
  ].sort((a, b) => a - b);
  const col = new Map(positions.map((p, i) => [p, i]));
  const lanes = [...new Set(ids.map((i) => String(ops[i].process)))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const lane = new Map(lanes.map((p, i) => [p, i]));
  const width = LEFT_PX + (positions.length + 2) * STEP_PX + 40;
  const height = TOP_PX + lanes.length * LANE_PX + 40 + 18 * Math.min(report.statesBeforeDescribed.length, 8);
  const xOf = (p: number) =>
    p === Number.POSITIVE_INFINITY
      ? LEFT_PX + (positions.length + 1) * STEP_PX
      : LEFT_PX + col.get(p)! * STEP_PX;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">`,
    '<style>.op{stroke:#555;stroke-width:1}.lin{fill:#cfe8cf}.other{fill:#eee}.bad{fill:#f4b0b0;stroke:#c00;stroke-width:2}.unk{stroke-dasharray:4 3}</style>',
    `<text x="8" y="18" font-size="13" font-weight="bold">${esc(`not linearizable: ${report.op.description} (process ${String(x.process)})`)}</text>`,
    `<text x="8" y="36">${esc('green: linearized before it, numbered in order; red: cannot be linearized; dashed: outcome unknown')}</text>`,
  );
  lanes.forEach((p, i) => {
    const y = TOP_PX + i * LANE_PX;
    parts.push(
      `<text x="8" y="${y + 20}">process ${esc(p)}</text>`,
      `<line x1="${LEFT_PX - 6}" x2="${width - 10}" y1="${y + LANE_PX - 2}" y2="${y + LANE_PX - 2}" stroke="#ddd"/>`,
    );
  });
  for (const i of ids) {
    const o = ops[i];
    const y = TOP_PX + lane.get(String(o.process))! * LANE_PX + 4;
    const x0 = xOf(o.callPos);
    const x1 = Math.max(xOf(end(o)), x0 + STEP_PX * 0.6);
    const cls = i === failing ? 'bad' : order.has(i) ? 'lin' : 'other';
    const label = `${order.has(i) ? `${order.get(i)}. ` : ''}${describeOp(model, o.input, o.output)}`;
    const title = `${label} — index ${o.invokeIndex}..${o.completeIndex < 0 ? '∞' : o.completeIndex}, ${o.outcome}`;
    parts.push(
      `<g><title>${esc(title)}</title><rect class="op ${cls}${o.known ? '' : ' unk'}" x="${x0}" y="${y}" width="${x1 - x0}" height="${LANE_PX - 10}" rx="3"/>`,
      `<text x="${x0 + 3}" y="${y + 16}">${esc(label.length > 40 ? `${label.slice(0, 39)}…` : label)}</text></g>`,
    );
  }
  const sy = TOP_PX + lanes.length * LANE_PX + 22;
  parts.push(
    `<text x="8" y="${sy}">states just before it: ${esc(report.statesBeforeDescribed.slice(0, 8).join('  |  '))}${report.statesTruncated || report.statesBeforeDescribed.length > 8 ? ' …' : ''}</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

export function renderFailureHtml(svg: string, report: FailureReport): string {
  const row = (o: FailureReport['op'], i?: number) =>
    `<tr><td>${i === undefined ? '' : i + 1}</td><td>${esc(String(o.process))}</td><td>${esc(o.description)}</td><td>${o.outcome}</td><td>${o.invokeIndex}</td><td>${o.completeIndex < 0 ? '' : o.completeIndex}</td></tr>`;
  const head =
    '<tr><th>#</th><th>process</th><th>operation</th><th>outcome</th><th>invoke index</th><th>complete index</th></tr>';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>not linearizable</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-family:monospace;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}.svg{overflow-x:auto}</style>
</head><body>
<h1>Not linearizable${report.key === undefined ? '' : ` (key ${esc(String(report.key))})`}</h1>
<p>${esc(report.explanation)}.</p>
<div class="svg">${svg}</div>
<h2>States just before it</h2>
<ul>${report.statesBeforeDescribed.map((s) => `<li><code>${esc(s)}</code></li>`).join('')}${report.statesTruncated ? '<li>…</li>' : ''}</ul>
<h2>Concurrent window</h2>
<table>${head}${report.window.map((o) => row(o)).join('')}</table>
<h2>Longest linearization found (${report.longestPrefix.length} operations)</h2>
<table>${head}${report.longestPrefix.map((o, i) => row(o, i)).join('')}</table>
</body></html>
`;
}

/** Write linear.svg and linear.html into dir; returns their paths. */
export function writeFailureFiles(dir: string, svg: string, html: string): string[] {
  const svgPath = join(dir, 'linear.svg');
  const htmlPath = join(dir, 'linear.html');
  writeFileSync(svgPath, `${svg}\n`);
  writeFileSync(htmlPath, html);
  return [svgPath, htmlPath];
}
