/**
 * report.html: one self-contained file. The static parts (test, verdicts,
 * reports, the linearizability window, Elle's cycles) are HTML written here;
 * the timeline, plots and history table are drawn by the inlined page script
 * from a JSON block. uPlot (≈50 KB, canvas, built for 100k-point series with
 * zoom and cursor sync) is inlined from node_modules for the latency and
 * throughput plots; nothing is fetched when the page opens.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { CheckView, ReportData, Verdict } from './data.js';
import type { ElleView } from './elle-view.js';
import type { LinearView } from './linear-view.js';
import { PAGE_SCRIPT } from './page-script.js';
import { packOps } from './timeline.js';

let uplotAssets: { js: string; css: string } | undefined;

function uplot(): { js: string; css: string } {
  if (!uplotAssets) {
    const require = createRequire(import.meta.url);
    uplotAssets = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return uplotAssets;
}

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON safe inside a <script> element. */
function scriptJson(x: unknown): string {
  return JSON.stringify(x)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function verdictText(v: Verdict | null): string {
  if (v === null) return 'not checked';
  return v === true ? 'valid' : v === false ? 'INVALID' : 'unknown';
}

function verdictClass(v: Verdict | null): string {
  return v === true ? 'valid' : v === false ? 'invalid' : 'unknown';
}

const CSS = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232a;background:#fafafa;font-size:14px}
header{background:#fff;border-bottom:1px solid #ddd;padding:14px 24px}
header h1{margin:0 0 6px;font-size:20px;display:flex;align-items:center;gap:12px;flex-wrap:wrap}
main{padding:0 24px 40px;max-width:1600px}
section{background:#fff;border:1px solid #e2e2e2;border-radius:6px;margin:16px 0;padding:12px 16px}
section h2{font-size:16px;margin:2px 0 10px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-size:13px;font-weight:700;color:#fff}
.badge.valid{background:#2e7d32}.badge.invalid{background:#c62828}.badge.unknown{background:#b26a00}
.meta{color:#555;font-size:13px}.meta b{color:#222;font-weight:600}
code,pre,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;word-break:break-word;margin:4px 0}
nav a{margin-right:14px;font-size:13px}
.check{border-left:4px solid #999;padding:4px 12px;margin:8px 0}
.check.valid{border-color:#2e7d32}.check.invalid{border-color:#c62828}.check.unknown{border-color:#b26a00}
.check ol{margin:6px 0;padding-left:22px;max-height:320px;overflow:auto}
.check li{margin:3px 0}
table.kv td{padding:1px 10px 1px 0;vertical-align:top}
table.grid{border-collapse:collapse;font-size:12px}
table.grid td,table.grid th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
.svgbox{overflow:auto;max-height:640px;border:1px solid #eee;margin:8px 0;background:#fff}
.toolbar{display:flex;gap:6px;align-items:center;flex-wrap:wrap;margin-bottom:6px}
.toolbar button,button.show{font-size:12px;padding:2px 8px;cursor:pointer}
.hint{color:#666;font-size:12px}
.chip{display:inline-flex;align-items:center;gap:4px;margin-right:10px;font-size:12px}
.chip i{display:inline-block;width:14px;height:10px;border-radius:2px}
#tl-wrap{position:relative;user-select:none}
#tl-canvas{display:block;cursor:grab}
#tl-tip{position:absolute;display:none;pointer-events:none;background:rgba(25,25,25,.92);color:#fff;padding:6px 8px;border-radius:4px;font:12px ui-monospace,Menlo,monospace;white-space:pre;max-width:720px;overflow:hidden;z-index:5}
#tl-selected pre{background:#f4f6f8;padding:6px 8px;border-radius:4px}
#history{position:relative;height:420px;overflow:auto;border:1px solid #e2e2e2;font:12px ui-monospace,Menlo,monospace}
#history-rows{position:absolute;left:0;right:0}
.hrow{display:flex;height:18px;line-height:18px;white-space:nowrap;cursor:pointer;border-bottom:1px solid #f2f2f2}
.hrow:hover{background:#eef4ff}.hrow.sel{background:#ffe9a8}
.hrow span{overflow:hidden;text-overflow:ellipsis;padding:0 6px}
.hrow .c0{width:70px;text-align:right;color:#777}.hrow .c1{width:100px;text-align:right}.hrow .c2{width:80px}
.hrow .c3{width:64px}.hrow .c4{width:140px}.hrow .c5{flex:1}.hrow .c6{width:220px;color:#777}
.hrow.t-ok .c3{color:#2e7d32}.hrow.t-fail .c3{color:#c62828}.hrow.t-info .c3{color:#b26a00}.hrow.t-nemesis{color:#6a3d9a}
.hhead{display:flex;font:600 12px ui-monospace,Menlo,monospace;padding-right:14px}
.hhead span{padding:0 6px}
.elle-case{border-top:1px solid #eee;padding:8px 0}
.elle-row{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
.elle-row .svgbox{flex:0 1 auto;max-width:100%;max-height:none}
.elle-row .svgbox svg{height:auto;display:block}
.elle-row pre{flex:1 1 420px}
.plot{margin:8px 0;min-height:40px}
.uplot .u-title{font-size:13px;font-weight:600}
.uplot .u-legend{font-size:12px}
`;

function row(k: string, v: string): string {
  return `<tr><td>${esc(k)}</td><td class="mono">${esc(v)}</td></tr>`;
}

function testSection(d: ReportData): string {
  const rows: string[] = [];
  if (d.source.kind === 'run') rows.push(row('run', d.source.dir));
  else rows.push(row('history', d.source.path));
  const t = d.test;
  const c = (t?.config ?? {}) as Record<string, unknown>;
  const show = (x: unknown) => (Array.isArray(x) ? x.join(', ') || 'none' : String(x));
  if (t) {
    if (t.startedAt !== undefined) rows.push(row('started', String(t.startedAt)));
    if (t.mode !== undefined) rows.push(row('mode', String(t.mode)));
    for (const k of [
      'system',
      'bugs',
      'systemOptions',
      'workload',
      'nemesis',
      'seed',
      'timeLimitS',
      'rateOpsPerS',
      'concurrency',
      'nodes',
    ]) {
      if (c[k] !== undefined) rows.push(row(k, show(c[k])));
    }
    if (typeof t.replay === 'string') rows.push(row('replay', t.replay));
  }
  const s = d.runSummary as
    | {
        opCount?: number;
        counts?: Record<string, number>;
        simulatedNs?: number;
        network?: Record<string, number>;
      }
    | null
    | undefined;
  if (s?.counts) {
    const k = s.counts;
    rows.push(
      row(
        'operations',
        `${s.opCount ?? ''} events: ${k.invoke} invoked, ${k.ok} ok, ${k.fail} fail, ${k.info} info; ${k.nemesis} nemesis`,
      ),
    );
  } else {
    rows.push(
      row('operations', `${d.timeline.eventCount} events, ${d.timeline.ops.start.length} client operations`),
    );
  }
  if (typeof s?.simulatedNs === 'number')
    rows.push(row('simulated time', `${(s.simulatedNs / 1e9).toFixed(2)} s`));
  if (s?.network)
    rows.push(
      row(
        'network',
        `${s.network.delivered} delivered, ${s.network.cut} cut, ${s.network.lost} lost, ${s.network.duplicated} duplicated`,
      ),
    );
  const notes = d.notes.map((n) => `<p class="hint">${esc(n)}</p>`).join('');
  const config = t
    ? `<details><summary>test.json</summary><pre>${esc(JSON.stringify(t, null, 2))}</pre></details>`
    : '';
  return `<section id="test"><h2>Test</h2>${notes}<table class="kv">${rows.join('')}</table>${config}</section>`;
}

function checkSection(c: CheckView): string {
  const report =
    c.report.length > 0
      ? `<ol class="report">${c.report.map((l) => `<li>${esc(l)}</li>`).join('')}</ol>`
      : '';
  return `<div class="check ${verdictClass(c.valid)}" data-checker="${esc(c.checker)}">
<div><span class="badge ${verdictClass(c.valid)}">${verdictText(c.valid)}</span> <b>${esc(c.checker)}</b>${c.summary ? ` — ${esc(c.summary)}` : ''}</div>
${report}
<details><summary>details</summary><pre>${esc(c.details)}</pre></details>
</div>`;
}

function statesCell(states: string[] | null, truncated: boolean): string {
  if (states === null) return '<td class="hint">—</td>';
  return `<td>${states.map((s) => `<code>${esc(s)}</code>`).join(' | ')}${truncated ? ' …' : ''}</td>`;
}

function linearSection(checker: string, v: LinearView): string {
  const prefix = v.prefix
    .map(
      (p) =>
        `<tr><td>${p.n}</td><td>${esc(p.process)}</td><td><code>${esc(p.description)}</code></td><td>${esc(p.outcome)}</td><td>${p.invokeIndex}${p.completeIndex >= 0 ? `..${p.completeIndex}` : ''}</td>${statesCell(p.statesAfter, p.statesAfterTruncated)}<td><button class="show" data-indices="${p.invokeIndex}">timeline</button></td></tr>`,
    )
    .join('');
  const failingRow = `<tr style="background:#fde7e7"><td>✗</td><td>${esc(v.failing.process)}</td><td><code>${esc(v.failing.description)}</code></td><td>cannot be linearized</td><td>${v.failing.invokeIndex}..${v.failing.completeIndex}</td><td>from ${v.statesBefore.map((s) => `<code>${esc(s)}</code>`).join(' | ')}${v.statesTruncated ? ' …' : ''}: impossible</td><td><button class="show" data-indices="${v.failing.invokeIndex}">timeline</button></td></tr>`;
  const witness = v.witness
    ? `<h3>Minimal witness: ${v.witness.operations} operation${v.witness.operations === 1 ? '' : 's'} (reduced from ${v.witness.reducedFrom}${v.witness.minimal ? '; no operation can be dropped' : ''})</h3><div class="svgbox" id="linear-witness">${v.witness.svg}</div>`
    : '';
  return `<section id="linear" data-checker="${esc(checker)}"><h2>Not linearizable${v.key === null ? '' : ` (key ${esc(v.key)})`}</h2>
<p>${esc(v.explanation)}.</p>
<div class="toolbar"><button class="show" data-indices="${v.windowInvokeIndices.join(',')}">show the failing window on the timeline</button></div>
<h3>The failing window</h3>
<div class="svgbox" id="linear-window">${v.svg}</div>
<h3>Longest linearization found, and the states after each step</h3>
<p class="hint">As Porcupine's visualizer: the operations in the order they can take effect, each with the model's states once it has; the next operation to return cannot follow from any of them.</p>
<table class="grid" id="linear-prefix"><tr><th>#</th><th>process</th><th>operation</th><th>outcome</th><th>history index</th><th>states after</th><th></th></tr>${prefix}${failingRow}</table>
${witness}
</section>`;
}

/** A big cycle drawn smaller, but never below two thirds of its size (its text must stay legible). */
function shrunk(svg: string): string {
  const m = /^<svg [^>]*width="(\d+)"/.exec(svg);
  if (!m) return svg;
  const w = Number(m[1]);
  const shown = Math.round(Math.min(w, Math.max(720, w * 0.66)));
  return svg.replace(/^<svg /, `<svg style="width:${shown}px" `);
}

function elleSection(checker: string, v: ElleView): string {
  const types = v.types
    .map((t) => {
      const cases = t.cases
        .map((c, i) => {
          const show =
            c.indices.length > 0
              ? `<button class="show" data-indices="${c.indices.join(',')}">show on the timeline</button>`
              : '';
          const svg = c.svg ? `<div class="svgbox elle-cycle">${shrunk(c.svg)}</div>` : '';
          return `<div class="elle-case"><b>${esc(t.type)} #${i + 1}</b> ${show}<div class="elle-row">${svg}<pre>${esc(c.explanation)}</pre></div></div>`;
        })
        .join('');
      const more =
        t.count > t.cases.length
          ? `<p class="hint">… ${t.count - t.cases.length} more in results.json</p>`
          : '';
      return `<details open class="elle-type" data-type="${esc(t.type)}"><summary><b>${esc(t.type)}</b> (${t.count})</summary>${cases}${more}</details>`;
    })
    .join('');
  const not =
    v.not.length > 0
      ? `<p>Not <b>${v.not.map(esc).join(', ')}</b>${v.alsoNot.length > 0 ? `; also not ${v.alsoNot.map(esc).join(', ')}` : ''}.</p>`
      : '';
  return `<section id="elle" data-checker="${esc(checker)}"><h2>Elle anomalies</h2>
<p class="hint">Each cycle is a graph of transactions (boxes) and dependencies: ww (write → overwrite), wr (write → read of it), rw (read → overwrite of what it read), process and realtime order.</p>
${not}${types}</section>`;
}

export function renderReportHtml(d: ReportData): string {
  const { js, css } = uplot();
  const page = {
    timeline: { ...d.timeline, ops: packOps(d.timeline.ops) },
    perf: d.perf,
    failingWindow: d.failingWindow,
  };
  const checks = d.checks.map(checkSection).join('');
  const linear = d.checks
    .filter((c) => c.linear)
    .map((c) => linearSection(c.checker, c.linear!))
    .join('');
  const elle = d.checks
    .filter((c) => c.elle && c.elle.types.length > 0)
    .map((c) => elleSection(c.checker, c.elle!))
    .join('');
  const files = d.files.map((f) => `<a href="${esc(encodeURI(f))}" download>${esc(f)}</a>`).join(' · ');
  const s = d.test?.config as { seed?: unknown } | undefined;
  const meta = [
    `<b>${d.timeline.ops.start.length}</b> client operations`,
    `<b>${d.timeline.bands.length}</b> nemesis intervals`,
    ...(s?.seed !== undefined ? [`seed <b>${esc(String(s.seed))}</b>`] : []),
    ...(d.generatedAt ? [`report written ${esc(d.generatedAt)}`] : []),
  ].join(' · ');
  const nav = [
    '<a href="#test">test</a>',
    '<a href="#checks">checkers</a>',
    '<a href="#timeline">timeline</a>',
    ...(linear ? ['<a href="#linear">linearizability</a>'] : []),
    ...(elle ? ['<a href="#elle">anomalies</a>'] : []),
    '<a href="#perf">latency &amp; throughput</a>',
    '<a href="#history-section">history</a>',
  ].join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(`${verdictText(d.verdict)} — ${d.title}`)}</title>
<style>${css}</style>
<style>${CSS}</style>
</head><body>
<header><h1>${esc(d.title)} <span class="badge ${verdictClass(d.verdict)}" id="verdict">${verdictText(d.verdict)}</span></h1>
<div class="meta">${meta}</div><nav>${nav}</nav></header>
<main>
${testSection(d)}
<section id="checks"><h2>Checkers</h2>${checks || '<p class="hint">No checker results (the run crashed or has not finished).</p>'}</section>
<section id="timeline"><h2>Timeline</h2>
<div class="toolbar"><button id="tl-reset">whole history</button><button id="tl-in">zoom in</button><button id="tl-out">zoom out</button><button id="tl-failing">failing window</button>
<span class="hint">wheel: zoom · drag: pan · shift+wheel: more processes · hover: details · click: find it in the history</span></div>
<div id="tl-legend"></div><div class="hint" id="tl-lanes"></div>
<div id="tl-wrap"><canvas id="tl-canvas"></canvas><div id="tl-tip"></div></div>
<div id="tl-selected"></div>
</section>
${linear}
${elle}
<section id="perf"><h2>Latency and throughput</h2>
<p class="hint">As Jepsen's perf checker draws them; nemesis intervals shaded. Drag across a plot to zoom it, the other plots and the timeline to that time; double-click to reset; click a legend entry to hide or show it.</p>
<div id="perf-legend"></div><div class="plot" id="plot-latency"></div><div class="plot" id="plot-quantiles"></div><div class="plot" id="plot-rate"></div>
</section>
<section id="history-section"><h2>History</h2>
<div class="toolbar"><label>go to index <input id="history-goto" type="number" min="0" style="width:8em"></label><span class="hint">${files ? `files: ${files}` : ''}</span></div>
<div class="hhead"><span style="width:70px;text-align:right">index</span><span style="width:100px;text-align:right">time</span><span style="width:80px">process</span><span style="width:64px">type</span><span style="width:140px">f</span><span style="flex:1">value</span><span style="width:220px">node / error</span></div>
<div id="history"><div id="history-spacer"></div><div id="history-rows"></div></div>
</section>
</main>
<script id="report-data" type="application/json">${scriptJson(page)}</script>
<script>${js}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
