/**
 * Linearizability checker speed and memory against Porcupine's figures
 * measured on this machine class.
 *
 *   npm run bench -- linearizable [--runs N] [--rows etcd,etcd-cli,kv,kv-unsplit,gen,gen-unsplit]
 *
 * The bench compiles the checker (tsc, into a temporary folder) and runs each
 * row in its own plain-node process, so peak memory (max RSS, Node itself
 * included) belongs to that row alone. In-process times include reading the
 * files and are the median of N runs in one process (the first, cold, run is
 * shown too). `etcd-cli` is the whole `faultline check` process, Node start-up
 * included, timed from outside.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LinearizableOptions } from '../checkers/linearizable/index.js';
import { checkLinearizable } from '../checkers/linearizable/index.js';
import type { Op } from '../src/history/op.js';
import { readHistoryFileSync } from '../src/history/read.js';
import { fmt, median, printTable } from './_table.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Porcupine on this machine class: seconds and MiB. */
const PORCUPINE = {
  etcd: { s: 0.55, mib: 30 },
  kv: { s: 0.37, mib: 67 },
  kvUnsplit: { s: 5.5, mib: 333 },
};

interface ChildResult {
  row: string;
  files: number;
  operations: number;
  verdicts: string;
  wrong: number;
  coldMs: number;
  medianMs: number;
  /** Median with minimisation off: the verdict and explanation only, like Porcupine. */
  verdictOnlyMs: number;
  maxRssMiB: number;
  searchMiB: number;
}

// ---------------------------------------------------------------- generated history

/** xorshift32: the generator's own seeded stream. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * A linearizable kv history by construction: `clients` clients run read /
 * write / cas on `keys` keys of an atomic store; each op takes effect at a
 * random point between its invocation and completion. 1% of ops time out
 * (info: took effect or not), cas that do not match fail.
 */
export function generateKvHistory(opCount: number, keys: number, clients: number, seed = 1): Op[] {
  const random = rng(seed);
  type Ev = { t: number; kind: 0 | 1 | 2; client: number };
  const heap: Ev[] = [];
  const less = (a: Ev, b: Ev) => a.t < b.t || (a.t === b.t && a.kind > b.kind);
  const push = (e: Ev) => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = (): Ev => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  const store = new Map<string, number | null>();
  const history: Op[] = [];
  const proc = Array.from({ length: clients }, (_, i) => i);
  let nextProc = clients;
  let nextValue = 1;
  let started = 0;
  const cur: ({
    f: string;
    key: string;
    value: unknown;
    out: unknown;
    type: Op['type'];
    end: number;
  } | null)[] = new Array(clients).fill(null);
  const emit = (type: Op['type'], client: number, f: string, value: unknown, key: string, t: number) =>
    history.push({ index: history.length, time: t, type, process: proc[client], f, value, key });
  const start = (client: number, t: number) => {
    if (started >= opCount) return;
    started++;
    const key = `k${Math.floor(random() * keys)}`;
    const r = random();
    const f = r < 0.5 ? 'read' : r < 0.8 ? 'write' : 'cas';
    const now = store.get(key) ?? null;
    const value =
      f === 'read' ? null : f === 'write' ? nextValue++ : [random() < 0.6 ? now : nextValue - 1, nextValue++];
    const end = t + 1 + Math.floor(random() * 100);
    const at = t + random() * (end - t);
    cur[client] = { f, key, value, out: null, type: 'ok', end };
    emit('invoke', client, f, value, key, t);
    push({ t: at, kind: 1, client });
    push({ t: end, kind: 2, client });
  };
  for (let c = 0; c < clients; c++) start(c, Math.floor(random() * 10));
  while (heap.length > 0) {
    const e = pop();
    const op = cur[e.client]!;
    if (e.kind === 1) {
      // The op takes effect now (a timed-out one only half of the time).
      const timedOut = random() < 0.01;
      if (timedOut) op.type = 'info';
      if (timedOut && random() < 0.5) continue;
      const now = store.get(op.key) ?? null;
      if (op.f === 'read') op.out = now;
      else if (op.f === 'write') store.set(op.key, op.value as number);
      else {
        const [from, to] = op.value as [number | null, number];
        if (from === now) store.set(op.key, to);
        else if (op.type !== 'info') op.type = 'fail';
      }
      continue;
    }
    const value = op.f === 'read' && op.type === 'ok' ? op.out : op.type === 'info' ? 'timed-out' : op.value;
    emit(op.type, e.client, op.f, value, op.key, e.t);
    if (op.type === 'info') proc[e.client] = nextProc++;
    cur[e.client] = null;
    start(e.client, e.t + 1);
  }
  return history;
}

// ---------------------------------------------------------------- one row, in a child process

function labelled(dir: string): { file: string; expected: string }[] {
  return readFileSync(join(dir, 'expected.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .filter(([, v]) => v === 'true' || v === 'false')
    .map(([file, expected]) => ({ file: join(dir, file), expected }));
}

async function runRow(row: string, data: string, runs: number): Promise<ChildResult> {
  let inputs: { ops: () => Op[]; expected?: string }[];
  let model = 'cas-register';
  const opts: LinearizableOptions = {};
  if (row === 'etcd') {
    inputs = labelled(join(data, 'jepsen-etcd')).map((l) => ({
      ops: () => readHistoryFileSync(l.file).ops,
      expected: l.expected,
    }));
  } else if (row === 'kv' || row === 'kv-unsplit') {
    model = 'kv-append';
    let files = labelled(join(data, 'kv'));
    if (row === 'kv-unsplit') {
      files = files.filter((l) => !l.file.includes('c50'));
      opts.split = false;
    }
    inputs = files.map((l) => ({ ops: () => readHistoryFileSync(l.file).ops, expected: l.expected }));
  } else {
    model = 'kv';
    const history = generateKvHistory(100_000, 1_000, 20);
    inputs = [{ ops: () => history, expected: 'true' }];
    if (row === 'gen-unsplit') {
      // A stretch: 1,000 keys as one object. Bounded so it cannot take the machine down.
      opts.split = false;
      opts.timeLimitMs = 20_000;
      opts.memoryLimitBytes = 1024 * 1048576;
    }
  }
  const times: number[] = [];
  const verdictOnly: number[] = [];
  let verdicts = '';
  let wrong = 0;
  let operations = 0;
  let searchBytes = 0;
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    const vs: string[] = [];
    let ops = 0;
    for (const input of inputs) {
      const r = await checkLinearizable(input.ops(), model, opts);
      vs.push(String(r.valid));
      ops += r.operations;
      searchBytes = Math.max(searchBytes, r.stats.peakSearchBytes);
      const definite = r.valid !== 'unknown';
      if (run === 0 && definite && input.expected !== undefined && String(r.valid) !== input.expected)
        wrong++;
    }
    times.push(performance.now() - t0);
    const t1 = performance.now();
    for (const input of inputs) await checkLinearizable(input.ops(), model, { ...opts, minimise: false });
    verdictOnly.push(performance.now() - t1);
    if (run === 0) {
      operations = ops;
      const count = (v: string) => vs.filter((x) => x === v).length;
      verdicts = `${count('true')} valid, ${count('false')} invalid${count('unknown') ? `, ${count('unknown')} unknown` : ''}`;
    }
  }
  return {
    row,
    files: inputs.length,
    operations,
    verdicts,
    wrong,
    coldMs: times[0],
    medianMs: median(times),
    verdictOnlyMs: median(verdictOnly),
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    searchMiB: searchBytes / 1048576,
  };
}

// ---------------------------------------------------------------- driver

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Compile the bench and the CLI with tsc into a temporary folder; returns it. */
function compile(): string {
  const repo = resolve(here, '..');
  // Inside node_modules (ignored by git) so the compiled CLI still finds its packages.
  const cache = join(repo, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(join(cache, 'faultline-lin-bench-'));
  // Type errors elsewhere in the tree do not stop tsc from emitting; a missing output does.
  spawnSync(
    process.execPath,
    [
      join(repo, 'node_modules', 'typescript', 'bin', 'tsc'),
      join(repo, 'bench', 'linearizable.ts'),
      join(repo, 'src', 'cli', 'main.ts'),
      '--outDir',
      out,
      '--rootDir',
      repo,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--types',
      'node',
      '--resolveJsonModule',
      '--strict',
    ],
    { stdio: 'inherit', cwd: repo },
  );
  if (!existsSync(join(out, 'bench', 'linearizable.js')))
    throw new Error(`tsc did not compile the bench into ${out}`);
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  writeFileSync(
    join(out, 'launch.js'),
    "import { main } from './src/cli/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n",
  );
  return out;
}

function rowChild(out: string, row: string, data: string, runs: number): ChildResult {
  const res = execFileSync(process.execPath, [join(out, 'bench', 'linearizable.js')], {
    encoding: 'utf8',
    env: { ...process.env, LIN_BENCH_CHILD: row, LIN_BENCH_DATA: data, LIN_BENCH_RUNS: String(runs) },
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(res.trim().split('\n').pop()!) as ChildResult;
}

/** `faultline check ../shared/data/jepsen-etcd` as a whole process, timed by /usr/bin/time. */
function cliRow(
  out: string,
  data: string,
  runs: number,
): { medianS: number; maxRssMiB: number; exit: number } {
  const secs: number[] = [];
  let rss = 0;
  let exit = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        process.execPath,
        join(out, 'launch.js'),
        'check',
        join(data, 'jepsen-etcd'),
        '--checker',
        'linearizable',
        '--model',
        'cas-register',
      ],
      { encoding: 'utf8' },
    );
    secs.push((performance.now() - t0) / 1000);
    exit = r.status ?? -1;
    const verdicts = r.stdout.trim().split('\n').length;
    if (exit !== 1 || verdicts !== 103)
      throw new Error(`faultline check failed (exit ${exit}): ${r.stderr.slice(0, 500)}`);
    const kib = Number(r.stderr.trim().split('\n').pop());
    if (Number.isFinite(kib)) rss = Math.max(rss, kib / 1024);
  }
  return { medianS: median(secs), maxRssMiB: rss, exit };
}

export default async function main(args: string[]): Promise<void> {
  const runs = Number(flag(args, '--runs') ?? 5);
  const rows = (flag(args, '--rows') ?? 'etcd,etcd-cli,kv,kv-unsplit,gen,gen-unsplit').split(',');
  const data = resolve(here, '..', '..', 'shared', 'data');
  process.stdout.write(
    `linearizable checker — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}; compiling…\n`,
  );
  const out = compile();
  try {
    const table: (string | number)[][] = [];
    const ratio = (ours: number, theirs: number) => fmt.ratio(theirs / ours);
    for (const row of rows) {
      if (row === 'etcd-cli') {
        const c = cliRow(out, data, runs);
        table.push([
          'etcd, whole CLI process',
          readdirSync(join(data, 'jepsen-etcd')).filter((f) => f.endsWith('.log')).length,
          '',
          `exit ${c.exit}`,
          '',
          fmt.s(c.medianS),
          '',
          fmt.mib(c.maxRssMiB),
          '',
          ratio(c.medianS, PORCUPINE.etcd.s),
          ratio(c.maxRssMiB, PORCUPINE.etcd.mib),
          `< ${PORCUPINE.etcd.s} s: ${c.medianS < PORCUPINE.etcd.s ? 'met' : 'MISSED'}`,
        ]);
        continue;
      }
      const runsHere = row.startsWith('gen') ? Math.min(runs, 3) : runs;
      const r = rowChild(out, row, data, runsHere);
      const ref =
        row === 'etcd'
          ? PORCUPINE.etcd
          : row === 'kv'
            ? PORCUPINE.kv
            : row === 'kv-unsplit'
              ? PORCUPINE.kvUnsplit
              : undefined;
      const target =
        row === 'kv-unsplit'
          ? `< 2.5 s: ${r.medianMs < 2500 ? 'met' : r.verdictOnlyMs < 2500 ? 'met (verdict only)' : 'MISSED'}`
          : row === 'gen'
            ? `< 10 s: ${r.medianMs < 10_000 ? 'met' : 'MISSED'}`
            : ref
              ? `2× Porcupine: ${r.medianMs / 1000 < ref.s / 2 ? 'met' : 'not yet'}`
              : '';
      const label: Record<string, string> = {
        etcd: 'etcd, labelled, in-process',
        kv: 'kv, 6 files, split per key',
        'kv-unsplit': 'kv c01+c10, one object',
        gen: 'generated 100k ops, 1k keys, 20 clients',
        'gen-unsplit': 'generated 100k ops, one object',
      };
      table.push([
        label[row] ?? row,
        r.files,
        fmt.int(r.operations),
        `${r.verdicts}${r.wrong ? `, ${r.wrong} WRONG` : ''}`,
        fmt.s(r.coldMs / 1000),
        fmt.s(r.medianMs / 1000),
        fmt.s(r.verdictOnlyMs / 1000),
        fmt.mib(r.maxRssMiB),
        `${r.searchMiB.toFixed(1)} MiB`,
        ref ? `${ratio(r.medianMs / 1000, ref.s)} / ${ratio(r.verdictOnlyMs / 1000, ref.s)}` : '',
        ref ? ratio(r.maxRssMiB, ref.mib) : '',
        target,
      ]);
    }
    printTable(
      `median of ${runs} runs (generated rows: ${Math.min(runs, 3)}); ratio = Porcupine / ours (above 1× is faster or smaller); ` +
        "'median' includes the minimised witness, 'verdict only' turns minimisation off (Porcupine computes none)",
      [
        'data set',
        'files',
        'ops',
        'verdicts',
        'cold',
        'median',
        'verdict only',
        'max RSS',
        'search tables',
        'time ratio (median / verdict only)',
        'memory ratio',
        'target',
      ],
      table,
    );
    process.stdout.write(
      `\nPorcupine: etcd ${PORCUPINE.etcd.s} s / ${PORCUPINE.etcd.mib} MiB, kv split ${PORCUPINE.kv.s} s / ${PORCUPINE.kv.mib} MiB, ` +
        `kv c01+c10 unsplit ${PORCUPINE.kvUnsplit.s} s / ${PORCUPINE.kvUnsplit.mib} MiB. Max RSS includes Node itself (~40 MiB).\n`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.env.LIN_BENCH_CHILD) {
  const r = await runRow(
    process.env.LIN_BENCH_CHILD,
    process.env.LIN_BENCH_DATA!,
    Number(process.env.LIN_BENCH_RUNS ?? 5),
  );
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
