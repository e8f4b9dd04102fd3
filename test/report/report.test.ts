/** report.html: what goes into it (timeline, bands, perf, explanations) and how runs and `faultline report` write it. */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizableSync } from '../../checkers/linearizable/index.js';
import { parseJsonl } from '../../src/history/jsonl.js';
import type { Op } from '../../src/history/op.js';
import { buildReportData } from '../../src/report/data.js';
import { buildElleView, cyclePicture } from '../../src/report/elle-view.js';
import { buildLinearView } from '../../src/report/linear-view.js';
import { PAGE_SCRIPT } from '../../src/report/page-script.js';
import { buildPerf, niceBucket, quantile } from '../../src/report/perf.js';
import {
  buildTimeline,
  OUTCOME,
  type PackedOps,
  packOps,
  unpackOps,
  VALUE_MAX_CHARS,
  valueText,
} from '../../src/report/timeline.js';
import { runReportData } from '../../src/report/write.js';
import { runTest } from '../../src/runner/run-test.js';
import { runCli } from '../helpers/cli.js';
import { ETCD_DIR } from '../helpers/paths.js';
import { h } from '../linearizable/helpers.js';

const ISO = '2026-11-22T05:30:00.000Z';
const MS = 1e6;

function at(ops: Op[], stepNs: number): Op[] {
  return ops.map((o, i) => ({ ...o, time: i * stepNs }));
}

/** The JSON block of a report page. */
function pageData(html: string): { timeline: { ops: PackedOps; bands: unknown[] } } {
  const m = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no report data');
  return JSON.parse(m[1]);
}

describe('timeline', () => {
  const history = at(
    h(
      [0, 'invoke', 'write', 1],
      ['nemesis', 'invoke', 'start-partition', null],
      ['nemesis', 'info', 'start-partition', { groups: [['n1'], ['n2', 'n3']] }],
      [1, 'invoke', 'read', null],
      [0, 'ok', 'write', 1],
      [1, 'ok', 'read', 1],
      [2, 'invoke', 'cas', [1, 2]],
      [2, 'info', 'cas', [1, 2], { error: 'timeout' }],
      ['nemesis', 'invoke', 'stop-partition', null],
      ['nemesis', 'info', 'stop-partition', 'healed'],
      [3, 'invoke', 'write', 3],
      ['nemesis', 'info', 'heal', null],
      ['nemesis', 'invoke', 'start-kill', null],
      ['nemesis', 'info', 'start-kill', { nodes: ['n1'] }],
    ),
    100 * MS,
  );
  const t = buildTimeline(history);
  it('pairs every invocation with its completion, in invocation order', () => {
    expect(t.ops.start).toHaveLength(4);
    expect(t.ops.processes).toEqual(['0', '1', '2', '3']);
    expect(t.ops.type).toEqual([OUTCOME.ok, OUTCOME.ok, OUTCOME.info, OUTCOME.pending]);
    expect(t.ops.invokeIndex).toEqual([0, 3, 6, 10]);
    expect(t.ops.completeIndex).toEqual([4, 5, 7, -1]);
    expect(t.ops.end[3]).toBe(-1);
    // A read's result differs from its invocation's null; a write's is the same (null: not repeated).
    expect(t.ops.result).toEqual([null, '1', null, null]);
    expect(t.ops.error[2]).toBe('"timeout"');
  });
  it('value text is the JSON text, clipped', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const json = JSON.stringify(v) ?? 'null';
        const text = valueText(v);
        if (json.length <= VALUE_MAX_CHARS) expect(text).toBe(json);
        else expect(text).toBe(`${json.slice(0, VALUE_MAX_CHARS - 1)}…`);
      }),
    );
  });
  it('packs losslessly for the page', () => {
    expect(unpackOps(packOps(t.ops))).toEqual(t.ops);
  });
  it('times: µs units for a history longer than a second, from the first event', () => {
    expect(t.timeUnitNs).toBe(1000);
    expect(t.ops.start[1]).toBe(300_000);
    expect(t.endTime).toBe(1_300_000);
  });
  it('nemesis start/stop pairs become bands; an unstopped one runs to the end; other events stand alone', () => {
    expect(t.bands).toHaveLength(2);
    expect(t.bands[0]).toMatchObject({
      kind: 'partition',
      start: 100_000,
      end: 900_000,
      endValue: '"healed"',
    });
    expect(t.bands[0].startValue).toContain('groups');
    expect(t.bands[1]).toMatchObject({ kind: 'kill', end: -1 });
    const heal = t.nemesisEvents.find((e) => e.f === 'heal')!;
    expect(heal.band).toBe(-1);
    expect(t.nemesisEvents.filter((e) => e.band === 0)).toHaveLength(4);
  });
  it('Jepsen’s bare start/stop are a band too', () => {
    const j = buildTimeline(
      h(
        ['nemesis', 'info', 'start', ':majority'],
        [0, 'invoke', 'read', null],
        ['nemesis', 'info', 'stop', 'ok'],
      ),
    );
    expect(j.bands).toEqual([expect.objectContaining({ kind: 'nemesis', start: 0, end: 2000 })]);
  });
});

describe('perf', () => {
  it('nearest-rank quantiles and round window widths', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([5], 0.99)).toBe(5);
    expect(niceBucket(20_000_000)).toBe(500_000);
    expect(niceBucket(100)).toBe(2);
  });
  it('rates add up to the completions; quantiles stay within the latencies of their window', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.nat(1_000_000), fc.nat(50_000), fc.constantFrom(0, 1, 2), fc.constantFrom(0, 1)),
          {
            minLength: 1,
            maxLength: 200,
          },
        ),
        (rows) => {
          const sorted = [...rows].sort((a, b) => a[0] - b[0]);
          const ops = buildTimeline([]).ops;
          ops.fs.push('read', 'write');
          for (const [start, lat, type, f] of sorted) {
            ops.start.push(start);
            ops.end.push(start + lat);
            ops.type.push(type);
            ops.f.push(f);
          }
          const end = Math.max(...sorted.map((r) => r[0] + r[1]));
          const p = buildPerf(ops, end, 1000);
          const windowS = (p.bucket * 1000) / 1e9;
          const total = p.rates.reduce(
            (n, s) => n + s.values.reduce<number>((a, v) => a + (v ?? 0) * windowS, 0),
            0,
          );
          expect(Math.round(total)).toBe(rows.length);
          for (const s of p.quantiles) {
            s.values.forEach((v, w) => {
              if (v === null) return;
              const lats = sorted
                .filter(
                  ([st, , type, f]) =>
                    Math.min(p.bucketStarts.length - 1, Math.floor(st / p.bucket)) === w &&
                    ops.fs[f] === s.f &&
                    ['ok', 'fail', 'info'][type] === s.outcome,
                )
                .map((r) => r[1]);
              expect(lats).toContain(v);
              expect(v).toBeLessThanOrEqual(Math.max(...lats));
            });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('linearizability view', () => {
  // write 1, write 2, then a read of 1 after both: the read cannot be linearized.
  const history = h(
    [0, 'invoke', 'write', 1],
    [0, 'ok', 'write', 1],
    [1, 'invoke', 'write', 2],
    [1, 'ok', 'write', 2],
    [2, 'invoke', 'read', null],
    [2, 'ok', 'read', 1],
  );
  const result = checkLinearizableSync(history, 'register', {});
  it('gives the states after each step of the longest linearization, and the window', () => {
    const v = buildLinearView(result, (i) => i * 1000)!;
    expect(v.prefix.map((p) => p.description)).toEqual(['write 1 → ok', 'write 2 → ok']);
    expect(v.prefix.map((p) => p.statesAfter)).toEqual([['1'], ['2']]);
    expect(v.statesBefore).toEqual(['2']);
    expect(v.failing.invokeIndex).toBe(4);
    expect(v.windowInvokeIndices).toContain(4);
    expect(v.svg).toMatch(/^<svg /);
    expect(v.witness?.svg).toMatch(/^<svg /);
  });
  it('a valid result has none', () => {
    expect(buildLinearView({ failure: undefined }, () => 0)).toBeNull();
  });
});

describe('Elle view', () => {
  const cycleCase = {
    cycle: [
      { name: 'T1', index: 3, process: 1, type: 'ok', value: [['append', 'x', 1]] },
      { name: 'T2', index: 5, process: 2, type: 'ok', value: [['r', 'x', []]] },
    ],
    steps: [
      { from: 'T1', to: 'T2', type: 'realtime', explanation: '…' },
      { from: 'T2', to: 'T1', type: 'rw', key: 'x', value: null, "value'": 1, explanation: '…' },
    ],
    explanation: 'Let: T1 … a contradiction!',
  };
  it('draws each cycle with typed edges, and names the operations', () => {
    expect(cyclePicture(cycleCase)).toEqual({
      boxes: [
        ['T1  (op 3, process 1, ok)', 'append "x" 1'],
        ['T2  (op 5, process 2, ok)', 'r "x" []'],
      ],
      edges: [
        { rel: 'realtime', label: 'realtime' },
        { rel: 'rw', label: 'rw "x" 1' },
      ],
    });
    const v = buildElleView({
      'anomaly-types': ['G-single-realtime', 'G1a'],
      anomalies: {
        'G-single-realtime': [cycleCase],
        G1a: [{ op: { index: 9 }, explanation: 'aborted read' }],
      },
      not: ['strict-serializable'],
    })!;
    expect(v.types.map((t) => t.type)).toEqual(['G-single-realtime', 'G1a']);
    const svg = v.types[0].cases[0].svg!;
    expect(svg).toContain('marker-end="url(#cyc0-realtime)"');
    expect(svg).toContain('class="edge edge-rw"');
    expect(v.types[0].cases[0].indices).toEqual([3, 5]);
    expect(v.types[1].cases[0]).toMatchObject({ svg: null, indices: [9], explanation: 'aborted read' });
    expect(v.not).toEqual(['strict-serializable']);
  });
});

describe('report.html of a run', () => {
  it('every run writes one, self-contained, with the timeline, bands, failing window and plots', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-report-'));
    try {
      const run = await runTest(
        {
          system: 'lww-register',
          workload: 'register',
          nemesis: ['partition', 'clock'],
          seed: 3,
          timeLimitS: 20,
        },
        { storeDir: store, startedAtIso: ISO },
      );
      expect(run.report).toEqual({ path: join(run.dir, 'report.html') });
      const html = readFileSync(join(run.dir, 'report.html'), 'utf8');
      // Nothing loaded from anywhere: no external scripts, styles, images or fonts.
      expect(html).not.toMatch(/<script[^>]+src=|<link |<img |url\(\s*['"]?https?:|@import/i);
      expect(html).toMatch(/<canvas id="tl-canvas">/);
      expect(html).toMatch(/id="linear"/);
      expect(html).toMatch(/id="plot-latency"/);
      const data = pageData(html);
      const invocations = readFileSync(join(run.dir, 'history.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"invoke"') && !l.includes('"process":"nemesis"')).length;
      expect(data.timeline.ops.startDelta).toHaveLength(invocations);
      expect(unpackOps(data.timeline.ops)).toEqual(
        buildTimeline(parseJsonl(readFileSync(join(run.dir, 'history.jsonl'), 'utf8'), 'h').ops).ops,
      );
      expect(data.timeline.bands.length).toBeGreaterThan(0);
      const d = runReportData(run.dir);
      expect(d.verdict).toBe(false);
      expect(d.failingWindow?.failingInvokeIndex).toBe(1472);
      expect(d.files).toEqual(
        expect.arrayContaining(['history.jsonl', 'results.json', 'test.json', 'n1.log']),
      );
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
});

describe('the page script', () => {
  it('is valid JavaScript as inlined (it is kept as text, so the compiler never sees it)', () => {
    expect(() => new Function(PAGE_SCRIPT)).not.toThrow();
  });
});

describe('faultline report', () => {
  it('rewrites a run’s report, and says why it cannot', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-report-'));
    try {
      await runCli(['run', '--seed', '1', '--time-limit', '2', '--store', store]);
      const dir = join(store, 'latest');
      rmSync(join(dir, 'report.html'));
      const r = await runCli(['report', dir]);
      expect(r).toMatchObject({ code: 0, stdout: `${join(dir, 'report.html')}\n` });
      expect(existsSync(join(dir, 'report.html'))).toBe(true);
      const out = join(store, 'elsewhere.html');
      expect((await runCli(['report', dir, '--out', out, '--json'])).stdout).toBe(
        `${JSON.stringify({ report: out })}\n`,
      );
      // A run with no results yet (or a crashed one) still gets its timeline.
      const copy = join(store, 'copy');
      cpSync(dir, copy, { recursive: true, dereference: true });
      rmSync(join(copy, 'results.json'));
      expect((await runCli(['report', copy])).code).toBe(0);
      expect(readFileSync(join(copy, 'report.html'), 'utf8')).toContain('No results.json yet');
      writeFileSync(join(copy, 'results.json'), '{"valid": tru');
      const bad = await runCli(['report', copy]);
      expect(bad.code).toBe(254);
      expect(bad.stderr).toMatch(/results\.json: not valid JSON/);
      const none = await runCli(['report', join(store, 'nope')]);
      expect(none).toMatchObject({ code: 254 });
      expect(none.stderr).toMatch(/nope: no such file or directory/);
      expect((await runCli(['report', dir, '--checker', 'linearizable'])).stderr).toMatch(
        /--checker: only for a history file/,
      );
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
  it('reports on a history file with its check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-report-'));
    try {
      const out = join(dir, 'etcd.html');
      const r = await runCli([
        'report',
        join(ETCD_DIR, 'etcd_000.log'),
        '--checker',
        'linearizable',
        '--model',
        'cas-register',
        '--out',
        out,
      ]);
      expect(r).toMatchObject({ code: 0, stdout: `${out}\n` });
      const html = readFileSync(out, 'utf8');
      expect(html).toContain('INVALID');
      expect(html).toMatch(/id="linear"/);
      // A console log has no times: the window's axis gives history indices.
      expect(html).toMatch(/>#84</);
      const noChecker = await runCli(['report', join(ETCD_DIR, 'etcd_000.log')]);
      expect(noChecker.code).toBe(254);
      expect(noChecker.stderr).toMatch(/--checker: a history file needs a checker/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('draws a plain history too (no run, no nemesis)', () => {
    const d = buildReportData({
      title: 't',
      source: { kind: 'history', path: 'x' },
      history: h([0, 'invoke', 'read', null], [0, 'ok', 'read', 1]),
      checks: [],
    });
    expect(d.verdict).toBeNull();
    expect(d.timeline.positional).toBe(false);
  });
});
