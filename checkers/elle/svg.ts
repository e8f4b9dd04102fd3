/**
 * Draws each anomaly cycle as a small SVG, by hand (no Graphviz): the
 * transactions are boxes holding their micro-ops, placed around a circle in
 * cycle order, and each dependency is a labelled arrow bending outwards.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkloadAnalysis } from './analysis.js';
import type { FoundCycle } from './cycles.js';
import { PROCESS, REALTIME, REL_NAMES } from './graph.js';
import { formatValue, type Txns, txnInfo } from './txns.js';

const CHAR_W = 7.2;
const LINE_H = 16;
const PAD = 8;
const MAX_MOPS_SHOWN = 8;

const REL_COLORS: Record<string, string> = {
  ww: '#c0392b',
  wr: '#2471a3',
  rw: '#b9770e',
  process: '#117a65',
  realtime: '#7d3c98',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  lines: string[];
}

/** Point where the ray from the box centre towards (tx, ty) leaves the box. */
function border(b: Box, tx: number, ty: number): [number, number] {
  const dx = tx - b.x;
  const dy = ty - b.y;
  if (dx === 0 && dy === 0) return [b.x, b.y];
  const sx = dx === 0 ? Number.POSITIVE_INFINITY : b.w / 2 / Math.abs(dx);
  const sy = dy === 0 ? Number.POSITIVE_INFINITY : b.h / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return [b.x + dx * s, b.y + dy * s];
}

/**
 * What a cycle picture shows: one box per transaction (its lines, the first
 * in bold) and, from each box to the next (the last back to the first), a
 * dependency edge of a relation (ww, wr, rw, process, realtime) with its label.
 */
export interface CyclePicture {
  boxes: string[][];
  edges: { rel: string; label: string }[];
}

/** The lines of a transaction's box: `T1  (op 12, process 3, ok)` and its micro-ops. */
export function txnBoxLines(
  name: string,
  index: number,
  process: unknown,
  type: string,
  mops: readonly (readonly unknown[])[],
): string[] {
  const lines = [`${name}  (op ${index}, process ${String(process)}, ${type})`];
  const shown = mops.slice(0, MAX_MOPS_SHOWN);
  for (const m of shown) lines.push(clip(`${m[0]} ${formatValue(m[1])} ${formatValue(m[2])}`, 60));
  if (mops.length > shown.length) lines.push(`… ${mops.length - shown.length} more`);
  return lines;
}

/** Render one cycle; `title` heads the picture. */
export function cycleSvg(t: Txns, analysis: WorkloadAnalysis, c: FoundCycle, title: string): string {
  const k = c.vertices.length;
  const picture: CyclePicture = {
    boxes: c.vertices.map((v, i) => {
      const info = txnInfo(t, v);
      return txnBoxLines(`T${i + 1}`, info.index, info.process, info.type, info.value);
    }),
    edges: c.rels.map((rel, i) => ({
      rel: REL_NAMES[rel],
      label: edgeLabel(t, analysis, c.vertices[i], c.vertices[(i + 1) % k], rel, i, k),
    })),
  };
  return drawCycleSvg(picture, title);
}

/**
 * Draw a cycle picture. `idPrefix` keeps the arrow markers' ids apart when
 * several pictures share one HTML page.
 */
export function drawCycleSvg(picture: CyclePicture, title: string, idPrefix = 'arrow'): string {
  const k = picture.boxes.length;
  const boxes: Box[] = picture.boxes.map((lines) => {
    const w = Math.max(...lines.map((l) => l.length)) * CHAR_W + 2 * PAD;
    const h = lines.length * LINE_H + 2 * PAD;
    return { x: 0, y: 0, w, h, lines };
  });
  const maxW = Math.max(...boxes.map((b) => b.w));
  const maxH = Math.max(...boxes.map((b) => b.h));
  // Radius large enough that neighbouring boxes do not overlap.
  const r = k === 1 ? 0 : Math.max(140, (Math.hypot(maxW, maxH) + 60) / (2 * Math.sin(Math.PI / k)));
  const margin = 130;
  const cx = r + maxW / 2 + margin;
  const cy = r + maxH / 2 + margin + 30;
  boxes.forEach((b, i) => {
    const a = (2 * Math.PI * i) / k - Math.PI / 2;
    b.x = cx + r * Math.cos(a);
    b.y = cy + r * Math.sin(a);
  });
  const width = 2 * cx;
  const height = 2 * cy - 30;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${height.toFixed(0)}" viewBox="0 0 ${width.toFixed(0)} ${height.toFixed(0)}" font-family="monospace" font-size="12">`,
  );
  out.push('<defs>');
  for (const [rel, color] of Object.entries(REL_COLORS)) {
    out.push(
      `<marker id="${idPrefix}-${rel}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`,
    );
  }
  out.push('</defs>');
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i < k; i++) {
    const a = boxes[i];
    const b = boxes[(i + 1) % k];
    const edge = picture.edges[i];
    const relName = edge.rel in REL_COLORS ? edge.rel : 'ww';
    const color = REL_COLORS[relName];
    // Control point pushed away from the centre so arrows bend outwards.
    const mx = (a.x + b.x) / 2;
    const my = (a.y + b.y) / 2;
    let ox = mx - cx;
    let oy = my - cy;
    let len = Math.hypot(ox, oy);
    if (len < 1) {
      ox = -(b.y - a.y);
      oy = b.x - a.x;
      len = Math.hypot(ox, oy) || 1;
    }
    const bend = k === 2 ? 90 : 50;
    const qx = mx + (ox / len) * bend;
    const qy = my + (oy / len) * bend;
    const [sx, sy] = border(a, qx, qy);
    const [ex, ey] = border(b, qx, qy);
    out.push(
      `<path d="M${sx.toFixed(1)},${sy.toFixed(1)} Q${qx.toFixed(1)},${qy.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}" class="edge edge-${esc(relName)}" fill="none" stroke="${color}" stroke-width="2" marker-end="url(#${idPrefix}-${relName})"/>`,
    );
    const label = edge.label;
    const lx = 0.25 * sx + 0.5 * qx + 0.25 * ex;
    const ly = 0.25 * sy + 0.5 * qy + 0.25 * ey;
    const lw = label.length * CHAR_W + 8;
    out.push(
      `<rect x="${(lx - lw / 2).toFixed(1)}" y="${(ly - 10).toFixed(1)}" width="${lw.toFixed(1)}" height="18" rx="4" fill="white" stroke="${color}"/>`,
      `<text x="${lx.toFixed(1)}" y="${(ly + 3).toFixed(1)}" text-anchor="middle" fill="${color}">${esc(label)}</text>`,
    );
  }
  for (const b of boxes) {
    out.push(
      `<rect class="txn" x="${(b.x - b.w / 2).toFixed(1)}" y="${(b.y - b.h / 2).toFixed(1)}" width="${b.w.toFixed(1)}" height="${b.h.toFixed(1)}" rx="6" fill="#f8f9f9" stroke="#34495e" stroke-width="1.5"/>`,
    );
    b.lines.forEach((line, j) => {
      const y = b.y - b.h / 2 + PAD + (j + 1) * LINE_H - 4;
      out.push(
        `<text x="${(b.x - b.w / 2 + PAD).toFixed(1)}" y="${y.toFixed(1)}"${j === 0 ? ' font-weight="bold"' : ''}>${esc(line)}</text>`,
      );
    });
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function edgeLabel(
  t: Txns,
  analysis: WorkloadAnalysis,
  a: number,
  b: number,
  rel: number,
  i: number,
  k: number,
): string {
  const name = REL_NAMES[rel];
  if (rel === PROCESS) return `process ${t.process[a]}`;
  if (rel === REALTIME) return 'realtime';
  const ex = analysis.explainEdge(a, b, rel, `T${i + 1}`, `T${((i + 1) % k) + 1}`);
  if (!ex) return name;
  const v = "value'" in ex ? ex["value'"] : ex.value;
  return clip(`${name} ${formatValue(ex.key)} ${formatValue(v)}`, 40);
}

/** Write `elle/<type>-<n>.svg` under outDir for up to `maxPerType` cycles of each type. */
export function writeCycleSvgs(
  outDir: string,
  t: Txns,
  analysis: WorkloadAnalysis,
  cycles: readonly FoundCycle[],
  maxPerType: number,
): string[] {
  const dir = join(outDir, 'elle');
  const counts = new Map<string, number>();
  const written: string[] = [];
  for (const c of cycles) {
    const n = (counts.get(c.type) ?? 0) + 1;
    counts.set(c.type, n);
    if (n > maxPerType) continue;
    if (written.length === 0) mkdirSync(dir, { recursive: true });
    const file = join(dir, `${c.type}-${n}.svg`);
    writeFileSync(file, cycleSvg(t, analysis, c, `${c.type} #${n}`));
    written.push(file);
  }
  return written;
}
