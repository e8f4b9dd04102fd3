/**
 * The script of report.html, inlined into the page (the page loads nothing
 * from anywhere). It reads the report data from the page's JSON block and
 * draws: the timeline (a canvas: one lane per process, invocation →
 * completion bars, nemesis bands, the failing window; wheel to zoom, drag to
 * pan, hover for details, click to find an operation in the history), the
 * latency and throughput plots (uPlot, inlined beside this script), and the
 * history table (virtualised: only the rows in view exist).
 *
 * Plain ES2017 for any browser; kept as text here because it runs in the
 * page, never in Node. test/report/browser.test.ts drives it in Chromium.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var t0 = performance.now();
  var phases = {};
  function mark(name) { phases[name] = Math.round(performance.now() - t0); }
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var T = D.timeline;
  var O = unpack(T.ops);
  var N = O.start.length;
  mark('parsed');
  /** The report carries the ops packed (deltas, interned strings): see packOps in src/report/timeline.ts. */
  function unpack(p) {
    var n = p.startDelta.length;
    var start = new Array(n), end = new Array(n), inv = new Array(n), cmp = new Array(n);
    var s = 0, x = 0;
    for (var i = 0; i < n; i++) {
      s = i === 0 ? p.startDelta[0] : s + p.startDelta[i];
      x = i === 0 ? p.invokeDelta[0] : x + p.invokeDelta[i];
      start[i] = s; inv[i] = x;
      end[i] = p.latency[i] < 0 ? -1 : s + p.latency[i];
      cmp[i] = p.completeOffset[i] < 0 ? -1 : x + p.completeOffset[i];
    }
    function strings(c) {
      var out = new Array(c.ix.length);
      for (var j = 0; j < c.ix.length; j++) out[j] = c.ix[j] < 0 ? null : c.dict[c.ix[j]];
      return out;
    }
    return { processes: p.processes, fs: p.fs, lane: p.lane, type: p.type, f: p.f, start: start, end: end,
      invokeIndex: inv, completeIndex: cmp, value: strings(p.value), result: strings(p.result),
      error: strings(p.error), node: strings(p.node), key: strings(p.key) };
  }
  var UNIT = T.timeUnitNs;
  var POSITIONAL = !!T.positional;
  var END = Math.max(T.endTime, 1);
  var OUTCOMES = ['ok', 'fail', 'info', 'pending'];
  var OUTCOME_COLORS = ['#5cb85c', '#e5534b', '#f0a030', '#b0b0b0'];
  var NEMESIS_COLORS = {
    partition: '#9b6fd1', kill: '#d9534f', pause: '#3fa7d6', clock: '#e0a100', loss: '#6c757d',
    duplication: '#2e9e6a', disk: '#8b5a2b', nemesis: '#888888'
  };
  var EXTRA_COLORS = ['#c2185b', '#00897b', '#5e35b1', '#6d4c41', '#546e7a'];

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function nemesisColor(kind) {
    if (NEMESIS_COLORS[kind]) return NEMESIS_COLORS[kind];
    var h = 0;
    for (var i = 0; i < kind.length; i++) h = (h * 31 + kind.charCodeAt(i)) >>> 0;
    return EXTRA_COLORS[h % EXTRA_COLORS.length];
  }
  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }
  /** Seconds on every axis (history positions for a log without times). */
  function toX(u) { return POSITIONAL ? u : (u * UNIT) / 1e9; }
  function fromX(x) { return POSITIONAL ? x : (x * 1e9) / UNIT; }
  function fmtTime(u) {
    if (POSITIONAL) return '#' + Math.round(u);
    var s = (u * UNIT) / 1e9;
    return s.toFixed(Math.abs(s) >= 100 ? 2 : 3) + ' s';
  }
  function fmtDuration(du) {
    if (POSITIONAL) return du + ' positions';
    var ms = (du * UNIT) / 1e6;
    if (ms >= 1000) return (ms / 1000).toFixed(3) + ' s';
    if (ms >= 1) return ms.toFixed(2) + ' ms';
    return (ms * 1000).toFixed(0) + ' µs';
  }
  function endOf(i) { return O.end[i] < 0 ? END : O.end[i]; }

  // ---- indexes ----------------------------------------------------------
  var LANES = O.processes.length;
  var laneOps = [];
  (function () {
    var counts = new Int32Array(LANES);
    for (var i = 0; i < N; i++) counts[O.lane[i]]++;
    for (var l = 0; l < LANES; l++) laneOps.push(new Int32Array(counts[l]));
    var fill = new Int32Array(LANES);
    for (var j = 0; j < N; j++) { var ln = O.lane[j]; laneOps[ln][fill[ln]++] = j; }
  })();
  var byHistoryIndex = new Map();
  for (var i0 = 0; i0 < N; i0++) {
    byHistoryIndex.set(O.invokeIndex[i0], i0);
    if (O.completeIndex[i0] >= 0) byHistoryIndex.set(O.completeIndex[i0], i0);
  }
  var bands = T.bands;
  var kinds = [];
  bands.forEach(function (b) { if (kinds.indexOf(b.kind) < 0) kinds.push(b.kind); });

  // Marked operations: the failing window (linearizability) and whatever the user picked.
  var failing = D.failingWindow; // {invokeIndices, failingInvokeIndex} or null
  var windowOps = [];
  var failingOp = -1;
  var windowRange = null;
  if (failing) {
    failing.invokeIndices.forEach(function (ix) {
      var i = byHistoryIndex.get(ix);
      if (i !== undefined) windowOps.push(i);
    });
    var f0 = byHistoryIndex.get(failing.failingInvokeIndex);
    if (f0 !== undefined) failingOp = f0;
    if (windowOps.length > 0) {
      var lo = Infinity, hi = -Infinity;
      windowOps.forEach(function (i) { lo = Math.min(lo, O.start[i]); hi = Math.max(hi, endOf(i)); });
      windowRange = [lo, hi];
    }
  }
  var marked = new Set();
  var selected = -1;

  // ---- the timeline ------------------------------------------------------
  var root = $('timeline');
  var canvas = $('tl-canvas');
  var tip = $('tl-tip');
  var ctx = canvas.getContext('2d');
  // Few processes get tall lanes; many get thin ones (the view scrolls past MAX_LANES_H).
  var LANE_H = LANES <= 10 ? 26 : LANES <= 40 ? 18 : 14, BAR_H = LANE_H - 6, AXIS_H = 24, NEM_ROW_H = 14;
  var NEM_H = kinds.length * NEM_ROW_H + (kinds.length > 0 ? 6 : 0);
  var MAX_LANES_H = 560;
  var labelW = 12;
  ctx.font = '11px monospace';
  O.processes.forEach(function (p) { labelW = Math.max(labelW, ctx.measureText('p ' + p).width + 14); });
  kinds.forEach(function (k) { labelW = Math.max(labelW, ctx.measureText(k).width + 14); });
  var lanesH = Math.min(LANES * LANE_H, MAX_LANES_H);
  var view = { v0: -END * 0.005, v1: END * 1.005, yOff: 0 };
  var W = 0, H = 0, plotW = 1;
  root.setAttribute('data-ops', String(N));
  root.setAttribute('data-lanes', String(LANES));
  root.setAttribute('data-nemesis-bands', String(bands.length));
  root.setAttribute('data-failing-window', windowRange ? '1' : '0');

  function X(u) { return labelW + ((u - view.v0) / (view.v1 - view.v0)) * plotW; }
  function U(x) { return view.v0 + ((x - labelW) / plotW) * (view.v1 - view.v0); }
  function lanesTop() { return AXIS_H + NEM_H; }

  function resize() {
    var dpr = window.devicePixelRatio || 1;
    W = canvas.parentElement.clientWidth;
    H = lanesTop() + lanesH + 4;
    canvas.style.width = W + 'px';
    canvas.style.height = H + 'px';
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    plotW = Math.max(10, W - labelW - 10);
    redraw();
  }

  /** Index of the first op in lane list a whose start is > u. */
  function upper(a, u) {
    var lo = 0, hi = a.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (O.start[a[m]] <= u) lo = m + 1; else hi = m; }
    return lo;
  }

  function niceStep(span, px) {
    var raw = span / Math.max(1, px / 90);
    var e = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var k = 0; k < steps.length; k++) if (steps[k] * e >= raw) return steps[k] * e;
    return 10 * e;
  }

  var pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(draw);
  }

  function draw() {
    pending = false;
    var top = lanesTop();
    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px monospace';
    ctx.textBaseline = 'middle';
    // Lanes' background.
    var first = Math.floor(view.yOff / LANE_H);
    var last = Math.min(LANES - 1, Math.floor((view.yOff + lanesH - 1) / LANE_H));
    ctx.save();
    ctx.beginPath();
    ctx.rect(labelW, 0, plotW, H);
    ctx.clip();
    for (var l = first; l <= last; l++) {
      var y = top + l * LANE_H - view.yOff;
      if (l % 2 === 1) { ctx.fillStyle = '#f7f7f7'; ctx.fillRect(labelW, y, plotW, LANE_H); }
    }
    // Nemesis bands: shaded over every lane, and one row per kind above the lanes.
    bands.forEach(function (b) {
      var x0 = X(b.start), x1 = X(b.end < 0 ? END : b.end);
      if (x1 < labelW || x0 > labelW + plotW) return;
      var w = Math.max(1, x1 - x0);
      var c = nemesisColor(b.kind);
      ctx.fillStyle = alpha(c, 0.13);
      ctx.fillRect(x0, top, w, lanesH);
      ctx.fillStyle = alpha(c, 0.75);
      ctx.fillRect(x0, AXIS_H + kinds.indexOf(b.kind) * NEM_ROW_H + 2, w, NEM_ROW_H - 4);
    });
    T.nemesisEvents.forEach(function (e) {
      if (e.band >= 0) return;
      var x = X(e.time);
      if (x < labelW || x > labelW + plotW) return;
      ctx.fillStyle = '#555';
      ctx.fillRect(x, AXIS_H, 1, NEM_H + lanesH);
    });
    // The failing window.
    if (windowRange) {
      var wx0 = X(windowRange[0]), wx1 = X(windowRange[1]);
      ctx.fillStyle = 'rgba(229,83,75,0.10)';
      ctx.fillRect(wx0, top, Math.max(2, wx1 - wx0), lanesH);
      ctx.strokeStyle = '#c62828';
      ctx.setLineDash([5, 3]);
      ctx.lineWidth = 1.5;
      ctx.strokeRect(wx0, top + 0.5, Math.max(2, wx1 - wx0), lanesH - 1);
      ctx.setLineDash([]);
    }
    // Operations. Those narrower than NARROW_PX are binned per pixel column: the column takes the
    // colour of most of its operations, with a thin red strip below where any failed and an orange
    // one above where any is indeterminate; columns are drawn as runs. A 100,000-op history zoomed
    // out costs a few hundred rectangles per lane, not 100,000.
    var inView = 0;
    var NARROW_PX = 3;
    var ncols = Math.ceil(plotW) + 2;
    var counts = [new Uint16Array(ncols), new Uint16Array(ncols), new Uint16Array(ncols), new Uint16Array(ncols)];
    var major = new Int8Array(ncols);
    var scale = plotW / (view.v1 - view.v0);
    for (var ln = 0; ln < LANES; ln++) {
      var a = laneOps[ln];
      if (a.length === 0) continue;
      var s = upper(a, view.v0) - 1;
      if (s < 0) s = 0;
      if (endOf(a[s]) < view.v0) s++;
      var e = upper(a, view.v1);
      if (e > s) inView += e - s;
      if (ln < first || ln > last) continue;
      var yy = top + ln * LANE_H - view.yOff + (LANE_H - BAR_H) / 2;
      for (var z = 0; z < 4; z++) counts[z].fill(0);
      var binned = false;
      for (var k = s; k < e; k++) {
        var i = a[k];
        var x0 = labelW + (O.start[i] - view.v0) * scale;
        var x1 = labelW + (endOf(i) - view.v0) * scale;
        var c = O.type[i];
        if (x1 - x0 < NARROW_PX) {
          var c0 = Math.max(0, Math.floor(x0 - labelW)), c1 = Math.min(ncols - 1, Math.floor(x1 - labelW));
          var cc = counts[c];
          for (var q = c0; q <= c1; q++) if (cc[q] < 65535) cc[q]++;
          binned = true;
          continue;
        }
        ctx.fillStyle = OUTCOME_COLORS[c];
        ctx.fillRect(x0, yy, x1 - x0, BAR_H);
        ctx.fillStyle = '#fff';
        ctx.fillRect(x1 - 1, yy, 1, BAR_H);
        if (x1 - x0 > 40) {
          ctx.fillStyle = '#102010';
          var label = O.fs[O.f[i]] + (O.key[i] !== null ? ' key ' + O.key[i] : '') + ' ' + (O.result[i] !== null ? O.value[i] + ' → ' + O.result[i] : O.value[i]);
          var maxChars = Math.floor((x1 - x0 - 6) / 6.7);
          if (label.length > maxChars) label = label.slice(0, Math.max(0, maxChars - 1)) + '…';
          ctx.fillText(label, Math.max(x0, labelW) + 3, yy + BAR_H / 2 + 0.5);
        }
      }
      if (!binned) continue;
      for (var q2 = 0; q2 < ncols; q2++) {
        var best = -1, bestN = 0;
        for (var o2 = 0; o2 < 4; o2++) if (counts[o2][q2] > bestN) { bestN = counts[o2][q2]; best = o2; }
        major[q2] = best;
      }
      runs(major, function (v) { return v; }, yy, BAR_H);
      var STRIP = Math.max(2, Math.round(BAR_H / 5));
      runs(counts[1], function (v) { return v > 0 ? 1 : -1; }, yy + BAR_H - STRIP, STRIP);
      runs(counts[2], function (v) { return v > 0 ? 2 : -1; }, yy, STRIP);
    }
    /** Runs of columns of one colour (colorOf gives an outcome code, or -1 for nothing). */
    function runs(arr, colorOf, y, h) {
      for (var p0 = 0; p0 < arr.length; ) {
        var code = colorOf(arr[p0]);
        if (code < 0) { p0++; continue; }
        var p1 = p0 + 1;
        while (p1 < arr.length && colorOf(arr[p1]) === code) p1++;
        ctx.fillStyle = OUTCOME_COLORS[code];
        ctx.fillRect(labelW + p0, y, p1 - p0, h);
        p0 = p1;
      }
    }
    // Outlines: the failing op, the window's ops, marked ops, the selection.
    function outline(i, color, width) {
      var ln = O.lane[i];
      if (ln < first || ln > last) return;
      var y = top + ln * LANE_H - view.yOff + (LANE_H - BAR_H) / 2;
      var x0 = X(O.start[i]), x1 = Math.max(X(endOf(i)), x0 + 3);
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.strokeRect(x0 - 1, y - 1, x1 - x0 + 2, BAR_H + 2);
    }
    windowOps.forEach(function (i) { outline(i, '#7a1f1f', 1); });
    marked.forEach(function (i) { outline(i, '#1565c0', 2); });
    if (failingOp >= 0) outline(failingOp, '#c62828', 2.5);
    if (selected >= 0) outline(selected, '#000', 2);
    ctx.restore();
    root.setAttribute('data-ops-in-view', String(inView));
    // The axis.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, AXIS_H);
    ctx.strokeStyle = '#999';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(labelW, AXIS_H - 0.5);
    ctx.lineTo(labelW + plotW, AXIS_H - 0.5);
    ctx.stroke();
    var spanX = toX(view.v1) - toX(view.v0);
    var step = niceStep(spanX, plotW);
    var decimals = Math.max(0, -Math.floor(Math.log10(step)));
    ctx.fillStyle = '#333';
    ctx.textBaseline = 'alphabetic';
    for (var tx = Math.ceil(toX(view.v0) / step) * step; tx <= toX(view.v1); tx += step) {
      var px = X(fromX(tx));
      ctx.fillRect(px, AXIS_H - 5, 1, 5);
      var text = POSITIONAL ? '#' + tx.toFixed(0) : tx.toFixed(decimals) + ' s';
      ctx.fillText(text, px - ctx.measureText(text).width / 2, AXIS_H - 8);
    }
    // Labels: nemesis kinds, then processes.
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, AXIS_H, labelW, H - AXIS_H);
    kinds.forEach(function (k, r) {
      ctx.fillStyle = nemesisColor(k);
      ctx.fillText(k, 4, AXIS_H + r * NEM_ROW_H + NEM_ROW_H / 2);
    });
    ctx.fillStyle = '#333';
    for (var l2 = first; l2 <= last; l2++) {
      ctx.fillText('p ' + O.processes[l2], 4, top + l2 * LANE_H - view.yOff + LANE_H / 2);
    }
    if (LANES * LANE_H > lanesH) {
      $('tl-lanes').textContent = 'processes ' + O.processes[first] + '–' + O.processes[last] +
        ' of ' + LANES + ' lanes (shift+wheel or drag up/down for the others)';
    }
  }

  function clampView() {
    var span = view.v1 - view.v0;
    var minSpan = Math.max(END / 2e6, 1e-3);
    if (span < minSpan) { var mid = (view.v0 + view.v1) / 2; view.v0 = mid - minSpan / 2; view.v1 = mid + minSpan / 2; span = minSpan; }
    var maxSpan = END * 1.2;
    if (span > maxSpan) { view.v0 = -END * 0.1; view.v1 = END * 1.1; }
    var maxY = Math.max(0, LANES * LANE_H - lanesH);
    view.yOff = Math.max(0, Math.min(maxY, view.yOff));
  }
  function zoomAt(u, factor) {
    view.v0 = u - (u - view.v0) * factor;
    view.v1 = u + (view.v1 - u) * factor;
    clampView();
    redraw();
  }
  function showRange(lo, hi, lane) {
    var pad = Math.max((hi - lo) * 0.25, END / 1e6);
    view.v0 = lo - pad;
    view.v1 = hi + pad;
    if (lane !== undefined) {
      var y = lane * LANE_H;
      if (y < view.yOff || y > view.yOff + lanesH - LANE_H) view.yOff = y - lanesH / 2;
    }
    clampView();
    redraw();
  }

  function opAt(x, y) {
    var top = lanesTop();
    if (y < top || x < labelW) return -1;
    var ln = Math.floor((y - top + view.yOff) / LANE_H);
    if (ln < 0 || ln >= LANES) return -1;
    var a = laneOps[ln];
    var tol = (3 / plotW) * (view.v1 - view.v0);
    var u = U(x);
    var k = upper(a, u + tol) - 1;
    if (k < 0) return -1;
    var i = a[k];
    return endOf(i) >= u - tol ? i : -1;
  }
  function bandAt(x, y) {
    if (y < AXIS_H || y >= AXIS_H + NEM_H) return null;
    var kind = kinds[Math.floor((y - AXIS_H) / NEM_ROW_H)];
    var u = U(x);
    var tol = (3 / plotW) * (view.v1 - view.v0);
    for (var b = 0; b < bands.length; b++) {
      var bd = bands[b];
      if (bd.kind === kind && bd.start - tol <= u && (bd.end < 0 ? END : bd.end) + tol >= u) return bd;
    }
    return null;
  }

  function describeOp(i) {
    var lines = [];
    var f = O.fs[O.f[i]];
    lines.push('process ' + O.processes[O.lane[i]] + '  ' + f + (O.key[i] !== null ? ' key ' + O.key[i] : '') + '  ' + OUTCOMES[O.type[i]]);
    lines.push('invoke  #' + O.invokeIndex[i] + ' at ' + fmtTime(O.start[i]) + '  value ' + O.value[i]);
    if (O.completeIndex[i] >= 0) {
      lines.push(OUTCOMES[O.type[i]] + '  #' + O.completeIndex[i] + ' at ' + fmtTime(O.end[i]) + '  value ' +
        (O.result[i] !== null ? O.result[i] : O.value[i]));
      lines.push('latency ' + fmtDuration(O.end[i] - O.start[i]));
    } else {
      lines.push('never completed');
    }
    if (O.error[i] !== null) lines.push('error ' + O.error[i]);
    if (O.node[i] !== null) lines.push('node ' + O.node[i]);
    return lines;
  }
  function describeBand(b) {
    var lines = [b.kind + ' from ' + fmtTime(b.start) + ' to ' + (b.end < 0 ? 'the end' : fmtTime(b.end)) +
      (b.end < 0 ? '' : ' (' + fmtDuration(b.end - b.start) + ')')];
    lines.push('start #' + b.startIndex + ': ' + b.startValue);
    if (b.endValue !== null) lines.push('stop #' + b.endIndex + ': ' + b.endValue);
    return lines;
  }
  function showTip(lines, x, y) {
    tip.textContent = lines.join('\n');
    tip.style.display = 'block';
    var r = canvas.getBoundingClientRect();
    var left = x + 14;
    if (left + tip.offsetWidth > r.width) left = Math.max(0, x - tip.offsetWidth - 14);
    tip.style.left = left + 'px';
    tip.style.top = (y + 16) + 'px';
  }

  function select(i, fromHistory) {
    selected = i;
    var box = $('tl-selected');
    box.textContent = '';
    if (i < 0) { redraw(); return; }
    box.appendChild(el('pre', null, describeOp(i).join('\n')));
    if (fromHistory) {
      var lo = O.start[i], hi = endOf(i);
      if (hi < view.v0 || lo > view.v1) showRange(lo, hi, O.lane[i]);
      else showRange(view.v0 + (view.v1 - view.v0) * 0.25, view.v1 - (view.v1 - view.v0) * 0.25, O.lane[i]);
    } else {
      history.reveal(O.invokeIndex[i]);
    }
    root.setAttribute('data-selected', String(O.invokeIndex[i]));
    redraw();
  }

  var drag = null;
  canvas.addEventListener('mousedown', function (ev) {
    drag = { x: ev.offsetX, y: ev.offsetY, v0: view.v0, v1: view.v1, yOff: view.yOff, moved: false };
  });
  window.addEventListener('mouseup', function (ev) {
    if (!drag) return;
    var d = drag;
    drag = null;
    if (!d.moved && ev.target === canvas) {
      var i = opAt(ev.offsetX, ev.offsetY);
      select(i, false);
    }
  });
  canvas.addEventListener('mousemove', function (ev) {
    if (drag) {
      var dx = ev.offsetX - drag.x, dy = ev.offsetY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        var du = (dx / plotW) * (drag.v1 - drag.v0);
        view.v0 = drag.v0 - du;
        view.v1 = drag.v1 - du;
        view.yOff = drag.yOff - dy;
        clampView();
        redraw();
        tip.style.display = 'none';
        return;
      }
    }
    var i = opAt(ev.offsetX, ev.offsetY);
    if (i >= 0) { showTip(describeOp(i), ev.offsetX, ev.offsetY); canvas.style.cursor = 'pointer'; return; }
    var b = bandAt(ev.offsetX, ev.offsetY);
    if (b) { showTip(describeBand(b), ev.offsetX, ev.offsetY); canvas.style.cursor = 'default'; return; }
    tip.style.display = 'none';
    canvas.style.cursor = 'grab';
  });
  canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  canvas.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    if (ev.shiftKey) { view.yOff += ev.deltaY; clampView(); redraw(); return; }
    if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
      var du = (ev.deltaX / plotW) * (view.v1 - view.v0);
      view.v0 += du; view.v1 += du; clampView(); redraw(); return;
    }
    zoomAt(U(ev.offsetX), Math.exp(ev.deltaY * 0.0015));
  }, { passive: false });
  canvas.addEventListener('dblclick', function () { resetView(); });
  function resetView() { view.v0 = -END * 0.005; view.v1 = END * 1.005; clampView(); redraw(); }
  $('tl-reset').addEventListener('click', resetView);
  $('tl-in').addEventListener('click', function () { zoomAt((view.v0 + view.v1) / 2, 0.5); });
  $('tl-out').addEventListener('click', function () { zoomAt((view.v0 + view.v1) / 2, 2); });
  var failBtn = $('tl-failing');
  if (windowRange) {
    failBtn.addEventListener('click', function () {
      showRange(windowRange[0], windowRange[1], failingOp >= 0 ? O.lane[failingOp] : undefined);
    });
  } else {
    failBtn.style.display = 'none';
  }
  // Elle cases and other "show on the timeline" buttons name history indices.
  Array.prototype.forEach.call(document.querySelectorAll('[data-indices]'), function (btn) {
    btn.addEventListener('click', function () {
      marked.clear();
      var lo = Infinity, hi = -Infinity, lane;
      btn.getAttribute('data-indices').split(',').forEach(function (s) {
        var i = byHistoryIndex.get(Number(s));
        if (i === undefined) return;
        marked.add(i);
        lo = Math.min(lo, O.start[i]); hi = Math.max(hi, endOf(i));
        if (lane === undefined) lane = O.lane[i];
      });
      if (marked.size > 0) {
        showRange(lo, hi, lane);
        root.scrollIntoView({ behavior: 'smooth', block: 'start' });
      }
    });
  });

  // Legend.
  var legend = $('tl-legend');
  OUTCOMES.forEach(function (o, k) {
    var s = el('span', 'chip');
    var sw = el('i');
    sw.style.background = OUTCOME_COLORS[k];
    s.appendChild(sw);
    s.appendChild(document.createTextNode(o));
    legend.appendChild(s);
  });
  var perfLegend = $('perf-legend');
  kinds.forEach(function (k) {
    [legend, perfLegend].forEach(function (where) {
      var s = el('span', 'chip');
      var sw = el('i');
      sw.style.background = alpha(nemesisColor(k), 0.5);
      s.appendChild(sw);
      s.appendChild(document.createTextNode(k));
      where.appendChild(s);
    });
  });
  if (windowRange) {
    var s2 = el('span', 'chip');
    var sw2 = el('i');
    sw2.style.background = 'rgba(229,83,75,0.2)';
    sw2.style.border = '1px dashed #c62828';
    s2.appendChild(sw2);
    s2.appendChild(document.createTextNode('failing window'));
    legend.appendChild(s2);
  }

  mark('timeline');
  // ---- the history table (virtualised) -------------------------------------
  var history = (function () {
    // Rows: every event in index order. kind 0 invocation, 1 completion, 2 nemesis.
    var n = 0;
    for (var i = 0; i < N; i++) n += O.completeIndex[i] >= 0 ? 2 : 1;
    var nem = T.nemesisEvents;
    n += nem.length;
    var rowIndex = new Float64Array(n), rowKind = new Uint8Array(n), rowRef = new Int32Array(n);
    var r = 0;
    for (var j = 0; j < N; j++) {
      rowIndex[r] = O.invokeIndex[j]; rowKind[r] = 0; rowRef[r++] = j;
      if (O.completeIndex[j] >= 0) { rowIndex[r] = O.completeIndex[j]; rowKind[r] = 1; rowRef[r++] = j; }
    }
    for (var m = 0; m < nem.length; m++) { rowIndex[r] = nem[m].index; rowKind[r] = 2; rowRef[r++] = m; }
    var order = new Int32Array(n);
    for (var q = 0; q < n; q++) order[q] = q;
    var sorted = true;
    for (var q2 = 1; q2 < n; q2++) if (rowIndex[q2] < rowIndex[q2 - 1]) { sorted = false; break; }
    if (!sorted) order.sort(function (a, b) { return rowIndex[a] - rowIndex[b]; });
    var ROW_H = 18;
    var box = $('history');
    var spacer = $('history-spacer');
    var rowsEl = $('history-rows');
    spacer.style.height = n * ROW_H + 'px';
    box.setAttribute('data-rows', String(n));
    var highlighted = -1;
    function cells(row) {
      var kind = rowKind[row], ref = rowRef[row];
      if (kind === 2) {
        var e = nem[ref];
        return [String(e.index), fmtTime(e.time), 'nemesis', e.type, e.f, e.value, ''];
      }
      var i = ref;
      var type = kind === 0 ? 'invoke' : OUTCOMES[O.type[i]];
      var value = kind === 0 ? O.value[i] : O.result[i] !== null ? O.result[i] : O.value[i];
      var extra = kind === 1 && O.error[i] !== null ? 'error ' + O.error[i] : O.node[i] !== null ? O.node[i] : '';
      return [String(kind === 0 ? O.invokeIndex[i] : O.completeIndex[i]), fmtTime(kind === 0 ? O.start[i] : O.end[i]),
        O.processes[O.lane[i]], type, O.fs[O.f[i]] + (O.key[i] !== null ? ' ' + O.key[i] : ''), value, extra];
    }
    function render() {
      var firstRow = Math.max(0, Math.floor(box.scrollTop / ROW_H) - 5);
      var lastRow = Math.min(n - 1, Math.ceil((box.scrollTop + box.clientHeight) / ROW_H) + 5);
      rowsEl.textContent = '';
      rowsEl.style.top = firstRow * ROW_H + 'px';
      for (var p = firstRow; p <= lastRow; p++) {
        var row = order[p];
        var tr = el('div', 'hrow');
        var c = cells(row);
        var kind = rowKind[row];
        if (kind !== 2) {
          tr.setAttribute('data-op', String(rowRef[row]));
          if (rowRef[row] === highlighted) tr.className += ' sel';
          tr.className += ' t-' + (kind === 0 ? 'invoke' : OUTCOMES[O.type[rowRef[row]]]);
        } else {
          tr.className += ' t-nemesis';
        }
        for (var k = 0; k < c.length; k++) tr.appendChild(el('span', 'c' + k, c[k]));
        rowsEl.appendChild(tr);
      }
    }
    box.addEventListener('scroll', render);
    rowsEl.addEventListener('click', function (ev) {
      var t = ev.target.closest ? ev.target.closest('.hrow') : null;
      if (!t || !t.hasAttribute('data-op')) return;
      var i = Number(t.getAttribute('data-op'));
      highlighted = i;
      render();
      select(i, true);
      root.scrollIntoView({ behavior: 'smooth', block: 'start' });
    });
    function positionOf(index) {
      var lo = 0, hi = n;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (rowIndex[order[mid]] < index) lo = mid + 1; else hi = mid; }
      return lo;
    }
    $('history-goto').addEventListener('change', function (ev) {
      var v = Number(ev.target.value);
      if (!isFinite(v)) return;
      box.scrollTop = Math.max(0, positionOf(v) * ROW_H - box.clientHeight / 3);
      render();
    });
    render();
    return {
      reveal: function (index) {
        var i = byHistoryIndex.get(index);
        highlighted = i === undefined ? -1 : i;
        box.scrollTop = Math.max(0, positionOf(index) * ROW_H - box.clientHeight / 3);
        render();
        box.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
      }
    };
  })();

  mark('history');
  // ---- plots (uPlot) ------------------------------------------------------
  var plots = [];
  function shade(u) {
    var c = u.ctx;
    var top = u.bbox.top, height = u.bbox.height;
    bands.forEach(function (b) {
      var x0 = u.valToPos(toX(b.start), 'x', true);
      var x1 = u.valToPos(toX(b.end < 0 ? END : b.end), 'x', true);
      var left = Math.max(u.bbox.left, x0), right = Math.min(u.bbox.left + u.bbox.width, x1);
      if (right <= left) return;
      c.fillStyle = alpha(nemesisColor(b.kind), 0.15);
      c.fillRect(left, top, Math.max(1, right - left), height);
    });
  }
  // A hue per operation for ok; fail in reds and info in oranges, darker per operation.
  var OK_HUES = ['#2e9e44', '#1f6fd1', '#8e44ad', '#00838f', '#6d4c41', '#c2185b'];
  var F_SHADES = [1, 0.72, 0.5, 0.85, 0.62];
  function seriesColor(fIndex, outcome) {
    if (outcome === 'ok') return OK_HUES[fIndex % OK_HUES.length];
    var base = OUTCOME_COLORS[OUTCOMES.indexOf(outcome)] || '#666';
    var n = parseInt(base.slice(1), 16);
    var k = F_SHADES[fIndex % F_SHADES.length];
    var r = Math.round((n >> 16) * k), g = Math.round(((n >> 8) & 255) * k), b = Math.round((n & 255) * k);
    return 'rgb(' + r + ',' + g + ',' + b + ')';
  }
  // Zooming one plot (drag across it) zooms the others and the timeline to the same time range.
  var syncingX = false;
  var pageReady = false;
  function followX(u, key) {
    if (key !== 'x' || syncingX || !pageReady) return;
    var lo = u.scales.x.min, hi = u.scales.x.max;
    if (lo === null || hi === null || !(hi > lo)) return;
    syncingX = true;
    plots.forEach(function (p) { if (p !== u) p.setScale('x', { min: lo, max: hi }); });
    view.v0 = fromX(lo);
    view.v1 = fromX(hi);
    clampView();
    redraw();
    syncingX = false;
  }
  function plotWidth(id) { return Math.max(300, $(id).clientWidth); }
  function makePlot(id, opts, data) {
    if (typeof uPlot === 'undefined') return;
    opts.width = plotWidth(id);
    opts.height = 260;
    opts.hooks = { drawClear: [shade], draw: opts.draw ? [opts.draw] : [], setScale: [followX] };
    opts.cursor = { sync: { key: 'faultline' } };
    opts.legend = { live: true };
    var p = new uPlot(opts, data, $(id));
    p.__id = id;
    plots.push(p);
  }
  var xAxis = { label: POSITIONAL ? 'history position' : 'time (s)', values: function (u, vals) {
    return vals.map(function (v) { return POSITIONAL ? String(v) : v.toFixed(Math.max(0, -Math.floor(Math.log10(Math.abs(vals[1] - vals[0]) || 1)))); });
  } };
  var msPerUnit = UNIT / 1e6;
  var latencyLabel = POSITIONAL ? 'latency (positions)' : 'latency (ms)';
  // Every operation's latency as a point. uPlot draws the axes, legend, zoom and cursor; the
  // points themselves are painted here in one pass of small squares (uPlot's own point paths, an
  // arc per point, took over a second for 100,000 operations).
  (function latencyPoints() {
    var groups = [];
    var keyOf = {};
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (var i = 0; i < N; i++) {
      if (O.end[i] < 0) continue;
      var key = O.f[i] + ':' + O.type[i];
      var g = keyOf[key];
      if (g === undefined) {
        g = keyOf[key] = groups.length;
        groups.push({ f: O.f[i], type: O.type[i], xs: [], ys: [] });
      }
      var lat = (O.end[i] - O.start[i]) * (POSITIONAL ? 1 : msPerUnit);
      if (!POSITIONAL) lat = Math.max(lat, 1e-3);
      var x = toX(O.start[i]);
      groups[g].xs.push(x);
      groups[g].ys.push(lat);
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (lat < minY) minY = lat;
      if (lat > maxY) maxY = lat;
    }
    if (groups.length === 0) return;
    if (maxY === minY) { maxY = minY * 2 + 1; }
    var series = [{}];
    var data = [[minX, maxX]];
    groups.forEach(function (g) {
      var color = seriesColor(g.f, OUTCOMES[g.type]);
      series.push({
        label: O.fs[g.f] + ' ' + OUTCOMES[g.type] + ' (' + g.xs.length + ')', stroke: color, fill: color, width: 0,
        paths: function () { return null; }, points: { show: false }, value: function () { return ''; }
      });
      data.push([null, null]);
    });
    var paintOrder = groups.map(function (g, k) { return k; }).sort(function (a, b) {
      return groups[b].xs.length - groups[a].xs.length;
    });
    // Positions precomputed (log of the latency once), so a repaint is a multiply-add per point.
    groups.forEach(function (g) {
      g.ly = new Float64Array(g.ys.length);
      for (var j = 0; j < g.ys.length; j++) g.ly[j] = POSITIONAL ? g.ys[j] : Math.log10(g.ys[j]);
    });
    function paint(u) {
      var c = u.ctx, dpr = window.devicePixelRatio || 1, half = 1.5 * dpr, side = 3 * dpr;
      var x0 = u.scales.x.min, x1 = u.scales.x.max;
      var ymin = POSITIONAL ? u.scales.y.min : Math.log10(u.scales.y.min);
      var ymax = POSITIONAL ? u.scales.y.max : Math.log10(u.scales.y.max);
      var L = u.bbox.left, Tp = u.bbox.top, Wd = u.bbox.width, Ht = u.bbox.height;
      var kx = Wd / (x1 - x0), ky = Ht / (ymax - ymin);
      c.save();
      c.beginPath();
      c.rect(L, Tp, Wd, Ht);
      c.clip();
      // A point whose pixel already holds one of its series adds nothing: skip it (dense clouds of
      // 100,000 points collapse to the pixels they cover).
      // Cells of 2 device pixels: a 3-pixel square drawn in one leaves nothing visible for another.
      var cw = Math.ceil(Wd / 2) + 1, chh = Math.ceil(Ht / 2) + 1;
      var seen = new Uint8Array(cw * chh);
      // The largest series first, so the rarer outcomes (fail, info) stay visible on top.
      paintOrder.forEach(function (k) {
        var g = groups[k];
        if (!u.series[k + 1].show) return;
        seen.fill(0);
        c.fillStyle = seriesColor(g.f, OUTCOMES[g.type]);
        var xs = g.xs, ly = g.ly;
        for (var j = 0; j < xs.length; j++) {
          var x = xs[j];
          if (x < x0 || x > x1) continue;
          var px = (x - x0) * kx, py = Ht - (ly[j] - ymin) * ky;
          var cell = (py >> 1) * cw + (px >> 1);
          if (cell < 0 || cell >= seen.length || seen[cell] === 1) continue;
          seen[cell] = 1;
          c.fillRect(L + px - half, Tp + py - half, side, side);
        }
      });
      c.restore();
    }
    makePlot('plot-latency', {
      title: 'Latency of every operation (by invocation time)',
      scales: {
        x: { time: false, range: function (u, lo, hi) { return [lo, hi]; } },
        y: { distr: POSITIONAL ? 1 : 3, range: function () { return POSITIONAL ? [0, maxY * 1.05] : [minY / 1.3, maxY * 1.3]; } }
      },
      axes: [xAxis, { label: latencyLabel, size: 60 }],
      series: series,
      draw: paint
    }, data);
  })();
  mark('latency');
  var P = D.perf;
  var bucketX = P.bucketStarts.map(function (b) { return toX(b + P.bucket / 2); });
  (function quantiles() {
    if (P.quantiles.length === 0) return;
    var Q_DASH = { 0.5: [], 0.95: [6, 3], 0.99: [2, 3], 1: [1, 5] };
    var fIdx = {};
    O.fs.forEach(function (f, i) { fIdx[f] = i; });
    var series = [{}];
    var data = [bucketX];
    P.quantiles.forEach(function (s) {
      var color = seriesColor(fIdx[s.f] || 0, s.outcome);
      series.push({
        label: s.label, stroke: color, width: 1.5, dash: Q_DASH[s.quantile], spanGaps: false,
        show: s.outcome === 'ok', points: { show: true, size: 4 },
        value: function (u, v) { return v === null ? '–' : v.toFixed(2); }
      });
      data.push(s.values.map(function (v) { return v === null ? null : POSITIONAL ? v : Math.max(v * msPerUnit, 1e-3); }));
    });
    makePlot('plot-quantiles', {
      title: 'Latency quantiles per ' + fmtDuration(P.bucket) + ' window (p50 solid, p95 dashed, p99 dotted, max sparse; other outcomes in the legend)',
      scales: { x: { time: false }, y: { distr: POSITIONAL ? 1 : 3 } },
      axes: [xAxis, { label: latencyLabel, size: 60 }],
      series: series
    }, data);
  })();
  (function rates() {
    if (P.rates.length === 0) return;
    var fIdx = {};
    O.fs.forEach(function (f, i) { fIdx[f] = i; });
    var series = [{}];
    var data = [bucketX];
    P.rates.forEach(function (s) {
      var color = seriesColor(fIdx[s.f] || 0, s.outcome);
      series.push({ label: s.label, stroke: color, width: 1.5, points: { show: false },
        value: function (u, v) { return v === null ? '–' : v.toFixed(1); } });
      data.push(s.values);
    });
    makePlot('plot-rate', {
      title: POSITIONAL ? 'Throughput: completions per ' + fmtDuration(P.bucket) + ' window' : 'Throughput: completions per second, per ' + fmtDuration(P.bucket) + ' window',
      scales: { x: { time: false } },
      axes: [xAxis, { label: POSITIONAL ? 'completions per window' : 'ops/s', size: 60 }],
      series: series
    }, data);
  })();

  var resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      resize();
      plots.forEach(function (p) { p.setSize({ width: plotWidth(p.__id), height: 260 }); });
    }, 100);
  });
  mark('plots');
  resize();
  requestAnimationFrame(function () {
    mark('drawn');
    pageReady = true;
    window.__plots = plots;
    window.__faultline = {
      ready: true, setupMs: performance.now() - t0, ops: N, phases: phases,
      /** For the benchmark: time one full redraw of the timeline, and of every plot (ms). */
      timeRedraw: function () {
        var a = performance.now(); pending = false; draw();
        var b = performance.now(); plots.forEach(function (p) { p.redraw(false, false); });
        var c = performance.now();
        return { timelineMs: b - a, plotsMs: c - b };
      }
    };
    document.body.setAttribute('data-ready', '1');
  });
})();
`;
