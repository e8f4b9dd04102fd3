/**
 * linear.svg / linear.html: the concurrent window around the op that cannot
 * be linearized, one lane per process, in the spirit of Knossos' linear.svg
 * and Porcupine's visualizer. Self-contained: no scripts, no external files.
 *
 * Drawn from the plain-JSON FailureReport alone (plus, optionally, each
 * event's time), so a report can redraw it from results.json. Operations sit
 * in history order: every box is wide enough for its label, the axis below
 * gives each event's time, and the legend and states wrap to the picture.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailureReport, OpReport } from './explain.js';

const LANE_PX = 30;
const BOX_PX = 22;
/** Monospace 11 px: a character is about 6.6 px wide; a little more keeps labels inside their boxes. */
const CHAR_PX = 6.9;
const TITLE_CHAR_PX = 8.2;
const MIN_STEP_PX = 20;
/** Rows of time labels under the axis: close events get their labels staggered. */
const AXIS_LABEL_ROWS = 3;
const LABEL_MAX_CHARS = 48;
const PREFIX_TAIL_SHOWN = 12;
const STATES_SHOWN = 8;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Seconds since the start, to the microsecond, as the axis shows them. */
function formatTimeNs(ns: number): string {
  return `${(ns / 1e9).toFixed(ns >= 1e10 ? 3 : 4)} s`;
}

export interface FailureSvgOptions {
  /** The `time` (ns) of the history event with this `index`, when known. */
  timeOfIndex?: (index: number) => number | undefined;
}

interface Shown {
  op: OpReport;
  order: number | undefined;
  failing: boolean;
  /** Its effect may land any time after the invocation: the box runs to the right edge. */
  open: boolean;
  label: string;
}

/** The operations linear.svg shows: the window around the failing op and the last linearized ones. */
export function shownOperations(report: FailureReport): Shown[] {
  const order = new Map<number, number>();
  report.longestPrefix.forEach((o, i) => {
    order.set(o.invokeIndex, i + 1);
  });
  const byInvoke = new Map<number, OpReport>();
  for (const o of report.window) byInvoke.set(o.invokeIndex, o);
  for (const o of report.longestPrefix.slice(-PREFIX_TAIL_SHOWN)) byInvoke.set(o.invokeIndex, o);
  byInvoke.set(report.op.invokeIndex, report.op);
  return [...byInvoke.values()]
    .sort((a, b) => a.invokeIndex - b.invokeIndex)
    .map((op) => {
      const n = order.get(op.invokeIndex);
      return {
        op,
        order: n,
        failing: op.invokeIndex === report.op.invokeIndex,
        open: op.outcome !== 'ok',
        label: clip(`${n === undefined ? '' : `${n}. `}${op.description}`, LABEL_MAX_CHARS),
      };
    });
}

export function renderFailureSvg(report: FailureReport, opts: FailureSvgOptions = {}): string {
  const shown = shownOperations(report);
  const lanes = [...new Set(shown.map((s) => String(s.op.process)))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const laneOf = new Map(lanes.map((p, i) => [p, i]));
  const leftPx = 16 + Math.max(...lanes.map((p) => `process ${p}`.length)) * CHAR_PX;
  const boxWidth = (s: Shown) => s.label.length * CHAR_PX + 10;

  // x of every event position, left to right: each step at least MIN_STEP_PX, and
  // each box at least as wide as its label.
  const positions = [
    ...new Set(shown.flatMap((s) => (s.open ? [s.op.invokeIndex] : [s.op.invokeIndex, s.op.completeIndex]))),
  ].sort((a, b) => a - b);
  const xOf = new Map<number, number>();
  let x = leftPx;
  for (const p of positions) {
    let at = xOf.size === 0 ? leftPx : x + MIN_STEP_PX;
    for (const s of shown) {
      if (!s.open && s.op.completeIndex === p) at = Math.max(at, xOf.get(s.op.invokeIndex)! + boxWidth(s));
    }
    xOf.set(p, at);
    x = at;
  }
  let openEnd = x + 3 * MIN_STEP_PX;
  for (const s of shown)
    if (s.open) openEnd = Math.max(openEnd, xOf.get(s.op.invokeIndex)! + boxWidth(s) + MIN_STEP_PX);
  const contentRight = openEnd + 20;

  const title = `not linearizable: ${report.op.description} (process ${String(report.op.process)})${report.key === undefined ? '' : `, key ${JSON.stringify(report.key)}`}`;
  const legend: [string, string][] = [
    ['lin', 'linearized before it, numbered in order'],
    ['bad', 'cannot be linearized'],
    ['other', 'concurrent, not linearized'],
    ['other unk', 'outcome unknown (may take effect any time after its start)'],
  ];
  const states = report.statesBeforeDescribed.slice(0, STATES_SHOWN).map((st) => clip(st, 100));
  const more = report.statesTruncated || report.statesBeforeDescribed.length > STATES_SHOWN;
  const stateLines = [
    `states just before it (${report.statesBeforeDescribed.length}${report.statesTruncated ? '+' : ''}):`,
    ...states,
    ...(more ? ['…'] : []),
  ];
  const caption = opts.timeOfIndex
    ? 'time since the test began; events in history order, spaced to fit their labels'
    : 'history index; events in history order, spaced to fit their labels';
  const width = Math.ceil(
    Math.max(
      contentRight,
      leftPx + caption.length * CHAR_PX + 8,
      16 + title.length * TITLE_CHAR_PX,
      16 + Math.max(...legend.map(([, t]) => 28 + t.length * CHAR_PX)),
      32 + Math.max(...stateLines.map((l) => l.length * CHAR_PX)),
    ),
  );
  // The legend wraps onto as many rows as the width needs.
  const legendRows: [string, string][][] = [[]];
  let rowW = 16;
  for (const item of legend) {
    const w = 28 + item[1].length * CHAR_PX;
    if (rowW + w > width && legendRows[legendRows.length - 1].length > 0) {
      legendRows.push([]);
      rowW = 16;
    }
    legendRows[legendRows.length - 1].push(item);
    rowW += w;
  }
  const topPx = 30 + legendRows.length * 18 + 10;
  const lanesBottom = topPx + lanes.length * LANE_PX;
  const axisY = lanesBottom + 8;
  const statesTop = axisY + 40 + AXIS_LABEL_ROWS * 13;
  const height = Math.ceil(statesTop + stateLines.length * 16 + 8);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    '<style>.op{stroke:#555;stroke-width:1}.lin{fill:#cfe8cf}.other{fill:#eee}.bad{fill:#f4b0b0;stroke:#c00;stroke-width:2}.unk{stroke-dasharray:4 3}.axis{stroke:#888}</style>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${esc(title)}</text>`,
  );
  legendRows.forEach((row, r) => {
    let lx = 8;
    const ly = 30 + r * 18;
    for (const [cls, text] of row) {
      parts.push(
        `<rect class="op ${cls}" x="${lx}" y="${ly}" width="20" height="12" rx="2"/>`,
        `<text x="${lx + 25}" y="${ly + 10}">${esc(text)}</text>`,
      );
      lx += 28 + text.length * CHAR_PX;
    }
  });
  lanes.forEach((p, i) => {
    const y = topPx + i * LANE_PX;
    parts.push(
      `<text x="8" y="${y + 15}">process ${esc(p)}</text>`,
      `<line x1="${leftPx - 6}" x2="${contentRight}" y1="${y + LANE_PX - 3}" y2="${y + LANE_PX - 3}" stroke="#eee"/>`,
    );
  });
  for (const s of shown) {
    const o = s.op;
    const y = topPx + laneOf.get(String(o.process))! * LANE_PX;
    const x0 = xOf.get(o.invokeIndex)!;
    const x1 = s.open ? openEnd : xOf.get(o.completeIndex)!;
    const cls = s.failing ? 'bad' : s.order !== undefined ? 'lin' : 'other';
    const tip = `${s.order === undefined ? '' : `${s.order}. `}${o.description} — process ${String(o.process)}, index ${o.invokeIndex}..${o.completeIndex < 0 ? '∞' : o.completeIndex}, ${o.outcome}`;
    parts.push(
      `<g class="lin-op" data-invoke-index="${o.invokeIndex}"><title>${esc(tip)}</title><rect class="op ${cls}${s.open ? ' unk' : ''}" x="${x0.toFixed(1)}" y="${y}" width="${(x1 - x0).toFixed(1)}" height="${BOX_PX}" rx="3"/>`,
      `<text x="${(x0 + 4).toFixed(1)}" y="${y + 15}">${esc(s.label)}</text></g>`,
    );
  }
  // The time axis: a tick per event, its time below it, staggered over a few rows where close.
  parts.push(`<line class="axis" x1="${leftPx}" x2="${contentRight}" y1="${axisY}" y2="${axisY}"/>`);
  const rowEnds = new Array<number>(AXIS_LABEL_ROWS).fill(Number.NEGATIVE_INFINITY);
  for (const p of positions) {
    const px = xOf.get(p)!;
    const t = opts.timeOfIndex?.(p);
    const text = t === undefined ? `#${p}` : formatTimeNs(t);
    const w = text.length * CHAR_PX;
    const row = rowEnds.findIndex((end) => px - w / 2 > end + 6);
    const tickPx = row < 0 ? 4 : 4 + row * 13;
    parts.push(
      `<line class="axis" x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${axisY}" y2="${axisY + tickPx}"><title>${esc(text)}</title></line>`,
    );
    if (row >= 0 && px + w / 2 < width) {
      parts.push(
        `<text x="${px.toFixed(1)}" y="${axisY + 14 + row * 13}" text-anchor="middle">${esc(text)}</text>`,
      );
      rowEnds[row] = px + w / 2;
    }
  }
  parts.push(
    `<text x="${leftPx}" y="${axisY + 18 + AXIS_LABEL_ROWS * 13}" fill="#666">${esc(caption)}</text>`,
  );
  stateLines.forEach((line, i) => {
    parts.push(`<text x="${i === 0 ? 8 : 24}" y="${statesTop + i * 16}">${esc(line)}</text>`);
  });
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
