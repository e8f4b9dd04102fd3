/**
 * The linearizability checker side by side with Porcupine, whole process
 * against whole process, on the same files.
 *
 *   npm run bench -- linearizable [--runs N] [--rows etcd,etcd-json,kv,kv-one,gen,workers,start] [--ops N] [--go GO] [--keep-env]
 *
 * It builds faultline (`npm run build`, as a user's install does) and, when
 * Go is installed (`--go`: the go command to use, default `go`), Porcupine from ../shared/peers/porcupine (copied into a
 * temporary folder with test_data linked to ../shared/data, plus
 * bench/porcupine/faultline_jsonl_test.go so Porcupine can read the
 * generated history). Then every row runs both tools as whole processes,
 * interleaved run by run (who goes first alternates), after one warm-up run
 * each: the ratio is the median of the per-run ratios Porcupine / faultline,
 * and peak RSS is measured by GNU time (`/usr/bin/time -f %M`), or by
 * polling the child's VmHWM where that is missing. Without Go a row says
 * "Porcupine not measured": never a constant.
 *
 * Rows:
 * - etcd: the 102 labelled jepsen-etcd logs, cas-register (Porcupine's TestEtcdJepsen*)
 * - etcd-json: the same with --json, where each violation is also minimised
 *   to a witness (the plain verdict lines show none, so they skip it)
 * - kv: the 6 kv files, kv-append split per key (TestKv[0-9]*)
 * - kv-one: kv c01 + c10 as one object, `--no-split` (TestKvNoPartition*)
 * - gen: a generated 100k-op kv history (1k keys, 20 clients), written with
 *   the store's writer to a file both read (faultline's `--model kv`)
 * - workers: the generated history in a cold process, worker threads 'auto'
 *   against in-process only (worker threads must never be slower)
 * - start: `faultline --help` against `node -e 0`
 *
 * The environment: both tools run in this process's environment less the
 * variables in MACHINE_ONLY_ENV (`--keep-env` keeps them). NODE_EXTRA_CA_CERTS
 * makes every node process read and parse a CA bundle before it runs a line
 * (35 ms here, where the sandbox sets it for its package proxy); neither
 * checker opens a TLS connection. When one is set, the bench measures what
 * it costs (`node -e 0` with it and without) and prints that beside the table.
 *
 * Every faultline run's verdicts are compared with the labels (expected.tsv);
 * Porcupine's test binary asserts them itself. The machine may be shared:
 * read the ratios, not the seconds.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKvHistory } from './_lin-gen.js';
import { fmt, median, printTable } from './_table.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const shared = resolve(repo, '..', 'shared');
const data = join(shared, 'data');
const GNU_TIME = '/usr/bin/time';

interface Measured {
  seconds: number;
  rssMiB: number;
  code: number;
  stdout: string;
  stderr: string;
}

interface Command {
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
}

interface Row {
  name: string;
  label: string;
  files: number;
  faultline: Command;
  /** Checks a faultline run's output; answers a problem, or undefined when the verdicts are right. */
  verify: (m: Measured) => string | undefined;
  /** The peer: Porcupine, or (workers, start) another faultline or node process. */
  peer?: Command;
  peerName: string;
  peerVerify?: (m: Measured) => string | undefined;
  /** Target on peer / faultline, and whether RSS must be within peer + 20 MiB. */
  minRatio?: number;
  rssWithin?: number;
  /** A row's own target text, in place of minRatio's. */
  target?: (ratio: number, ours: Measured[]) => string;
}

// ---------------------------------------------------------------- measuring a process

/**
 * Variables a machine sets for its own purposes that change what a node process
 * does at start-up, not what a checker does: the children run without them unless
 * `--keep-env` (see the header).
 */
const MACHINE_ONLY_ENV = ['NODE_EXTRA_CA_CERTS'];

/** The environment the children start from (set by main from --keep-env). */
let baseEnv: NodeJS.ProcessEnv = process.env;

function withoutMachineOnly(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of MACHINE_ONLY_ENV) delete out[name];
  return out;
}

let haveGnuTime: boolean | undefined;

function measure(cmd: Command): Promise<Measured> {
  if (haveGnuTime === undefined) haveGnuTime = spawnSync(GNU_TIME, ['-f', '%M', 'true']).status === 0;
  return haveGnuTime ? measureWithTime(cmd) : measureByPolling(cmd);
}

/** Wall time around the whole child; peak RSS from GNU time's %M (KiB), written to a file of its own. */
async function measureWithTime(cmd: Command): Promise<Measured> {
  const out = join(scratch(), `time-${process.pid}.txt`);
  const t0 = performance.now();
  const r = spawnSync(GNU_TIME, ['-f', '%M', '-o', out, ...cmd.argv], {
    cwd: cmd.cwd,
    env: { ...baseEnv, ...cmd.env },
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  // GNU time exits with the child's status (its own notes go to the -o file, last line %M).
  return { seconds, rssMiB: kib / 1024, code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Without GNU time: poll the child's VmHWM (its peak RSS so far) every 2 ms until it exits. */
function measureByPolling(cmd: Command): Promise<Measured> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd.argv[0], cmd.argv.slice(1), {
      cwd: cmd.cwd,
      env: { ...baseEnv, ...cmd.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    let kib = 0;
    const poll = () => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) kib = Math.max(kib, Number(m[1]));
      } catch {
        // gone already
      }
    };
    const timer = setInterval(poll, 2);
    child.on('error', fail);
    child.on('exit', () => poll());
    child.on('close', (code) => {
      clearInterval(timer);
      done({
        seconds: (performance.now() - t0) / 1000,
        rssMiB: kib / 1024,
        code: code ?? -1,
        stdout,
        stderr,
      });
    });
  });
}

let scratchDir: string | undefined;
function scratch(): string {
  scratchDir ??= mkdtempSync(join(tmpdir(), 'faultline-lin-bench-'));
  return scratchDir;
}

// ---------------------------------------------------------------- building

function buildFaultline(): void {
  process.stdout.write('building faultline (npm run build)…\n');
  const r = spawnSync('npm', ['run', 'build'], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}

/** Porcupine's test binary built from ../shared/peers/porcupine, or why it could not be. */
function buildPorcupine(
  goCommand: string,
): { binary: string; dir: string; go: string } | { missing: string } {
  const go = spawnSync(goCommand, ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) return { missing: `${goCommand} not found` };
  const source = join(shared, 'peers', 'porcupine');
  if (!existsSync(join(source, 'checker.go'))) return { missing: `no Porcupine source in ${source}` };
  const dir = join(scratch(), 'porcupine');
  cpSync(source, dir, { recursive: true });
  makeWritable(dir);
  mkdirSync(join(dir, 'test_data'), { recursive: true });
  symlinkSync(join(data, 'jepsen-etcd'), join(dir, 'test_data', 'jepsen'));
  symlinkSync(join(data, 'kv'), join(dir, 'test_data', 'kv'));
  cpSync(join(here, 'porcupine', 'faultline_jsonl_test.go'), join(dir, 'faultline_jsonl_test.go'));
  process.stdout.write(`building Porcupine (${go.stdout.trim()}: go test -c)…\n`);
  const r = spawnSync(goCommand, ['test', '-c', '-o', 'porcupine.test', '.'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' },
  });
  if (r.status !== 0) return { missing: `go test -c failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}` };
  return { binary: join(dir, 'porcupine.test'), dir, go: go.stdout.trim() };
}

/** The shared source is read-only; its copy must not be (go writes beside it, rm removes it). */
function makeWritable(path: string): void {
  const st = statSync(path);
  chmodSync(path, st.mode | 0o200 | (st.isDirectory() ? 0o100 : 0));
  if (st.isDirectory()) for (const f of readdirSync(path)) makeWritable(join(path, f));
}

// ---------------------------------------------------------------- rows

function labels(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'expected.tsv'), 'utf8').trim().split('\n').slice(1)) {
    const [file, verdict] = line.split('\t');
    if (verdict === 'true' || verdict === 'false') out.set(file, verdict);
  }
  return out;
}

/** `faultline check` printed one `FILE\tvalid|INVALID|unknown\t…` line per file: each must match its label. */
function verdictsMatch(expected: Map<string, string>, wantExit: number) {
  return (m: Measured): string | undefined => {
    if (m.code !== wantExit) return `exit ${m.code}, expected ${wantExit}: ${m.stderr.trim().slice(0, 300)}`;
    const got = new Map<string, string>();
    for (const line of m.stdout.split('\n')) {
      const [file, verdict] = line.split('\t');
      if (verdict !== undefined && file !== '') got.set(file.slice(file.lastIndexOf('/') + 1), verdict);
    }
    for (const [file, want] of expected) {
      const v = got.get(file);
      const ok = (want === 'true' && v === 'valid') || (want === 'false' && v === 'INVALID');
      if (!ok) return `${file}: ${v ?? 'no verdict'}, expected ${want === 'true' ? 'valid' : 'INVALID'}`;
    }
    return undefined;
  };
}

/** `--json` printed one object per file: each must carry its label, and a witness when invalid. */
function jsonVerdictsMatch(expected: Map<string, string>, wantExit: number) {
  return (m: Measured): string | undefined => {
    if (m.code !== wantExit) return `exit ${m.code}, expected ${wantExit}: ${m.stderr.trim().slice(0, 300)}`;
    const got = new Map<string, { valid: unknown; witness?: unknown }>();
    for (const line of m.stdout.split('\n')) {
      if (line === '') continue;
      const r = JSON.parse(line) as { file: string; valid: unknown; witness?: unknown };
      got.set(r.file.slice(r.file.lastIndexOf('/') + 1), r);
    }
    for (const [file, want] of expected) {
      const r = got.get(file);
      if (String(r?.valid) !== want) return `${file}: ${String(r?.valid)}, expected ${want}`;
      if (want === 'false' && r?.witness === undefined) return `${file}: no witness`;
    }
    return undefined;
  };
}

const exitZero = (m: Measured) =>
  m.code === 0 ? undefined : `exit ${m.code}: ${(m.stdout + m.stderr).trim().slice(-300)}`;

function rows(
  names: string[],
  porcupine: ReturnType<typeof buildPorcupine>,
  gen: { path: string; ops: number } | undefined,
): Row[] {
  const cli = (files: string[], model: string, ...extra: string[]): Command => ({
    argv: [
      process.execPath,
      join(repo, 'bin', 'faultline.js'),
      'check',
      ...files,
      '--checker',
      'linearizable',
      '--model',
      model,
      ...extra,
    ],
  });
  const porc = (run: string, env?: Record<string, string>): Command | undefined =>
    'binary' in porcupine
      ? { argv: [porcupine.binary, '-test.run', run], cwd: porcupine.dir, env }
      : undefined;
  const etcd = labels(join(data, 'jepsen-etcd'));
  const kv = labels(join(data, 'kv'));
  const kvOne = new Map([...kv].filter(([f]) => !f.startsWith('c50')));
  const out: Row[] = [];
  for (const name of names) {
    if (name === 'etcd') {
      out.push({
        name,
        label: 'etcd, 102 labelled logs, cas-register',
        files: etcd.size,
        faultline: cli(
          [...etcd.keys()].map((f) => join(data, 'jepsen-etcd', f)),
          'cas-register',
        ),
        verify: verdictsMatch(etcd, 1),
        peer: porc('^TestEtcdJepsen'),
        peerName: 'Porcupine',
        peerVerify: exitZero,
        minRatio: 2,
        rssWithin: 20,
      });
    } else if (name === 'etcd-json') {
      // The same, --json: every violation also minimised to a witness (Porcupine computes none).
      out.push({
        name,
        label: 'etcd, --json (each violation minimised)',
        files: etcd.size,
        faultline: cli(
          [...etcd.keys()].map((f) => join(data, 'jepsen-etcd', f)),
          'cas-register',
          '--json',
        ),
        verify: jsonVerdictsMatch(etcd, 1),
        peer: porc('^TestEtcdJepsen'),
        peerName: 'Porcupine',
        peerVerify: exitZero,
      });
    } else if (name === 'kv') {
      out.push({
        name,
        label: 'kv, 6 files, kv-append split per key',
        files: kv.size,
        faultline: cli(
          [...kv.keys()].map((f) => join(data, 'kv', f)),
          'kv-append',
        ),
        verify: verdictsMatch(kv, 1),
        peer: porc('^TestKv[0-9]'),
        peerName: 'Porcupine',
        peerVerify: exitZero,
        minRatio: 2,
        rssWithin: 20,
      });
    } else if (name === 'kv-one') {
      out.push({
        name,
        label: 'kv c01 + c10, one object (--no-split)',
        files: kvOne.size,
        faultline: cli(
          [...kvOne.keys()].map((f) => join(data, 'kv', f)),
          'kv-append',
          '--no-split',
        ),
        verify: verdictsMatch(kvOne, 1),
        peer: porc('^TestKvNoPartition'),
        peerName: 'Porcupine',
        peerVerify: exitZero,
        minRatio: 30,
      });
    } else if (name === 'gen' && gen) {
      out.push({
        name,
        label: `generated ${fmt.int(gen.ops)} ops, 1k keys, 20 clients, kv`,
        files: 1,
        faultline: cli([gen.path], 'kv'),
        verify: verdictsMatch(new Map([[gen.path.slice(gen.path.lastIndexOf('/') + 1), 'true']]), 0),
        peer: porc('^TestFaultlineJsonl$', { FAULTLINE_JSONL: gen.path, FAULTLINE_EXPECT: 'true' }),
        peerName: 'Porcupine',
        peerVerify: (m) => exitZero(m) ?? (m.stdout.includes('linearizable true') ? undefined : m.stdout),
        minRatio: 1.5,
      });
    } else if (name === 'workers' && gen) {
      const driver = workersDriver();
      const run = (workers: string): Command => ({ argv: [process.execPath, driver, gen.path, workers] });
      const valid = (m: Measured) => exitZero(m) ?? (m.stdout.startsWith('true ') ? undefined : m.stdout);
      out.push({
        name,
        label: 'generated history, cold process: in-process / workers auto',
        files: 1,
        faultline: run('auto'),
        verify: valid,
        peer: run('0'),
        peerName: 'faultline, workers 0',
        peerVerify: valid,
        // With no thread started, 'auto' is the in-process path itself: any difference is noise.
        target: (ratio, ours) => {
          const threads = Math.max(...ours.map((m) => Number(/ (\d+) workers/.exec(m.stdout)?.[1] ?? 0)));
          return threads === 0
            ? 'never slower: met (no thread started: the in-process path)'
            : `never slower (${threads} threads): ${ratio >= 1 ? 'met' : 'MISSED'}`;
        },
      });
    } else if (name === 'start') {
      out.push({
        name,
        label: 'start-up: faultline --help / node -e 0',
        files: 0,
        faultline: { argv: [process.execPath, join(repo, 'bin', 'faultline.js'), '--help'] },
        verify: exitZero,
        peer: { argv: [process.execPath, '-e', '0'] },
        peerName: 'node -e 0',
        peerVerify: exitZero,
      });
    } else if (name !== 'gen' && name !== 'workers') {
      throw new Error(
        `--rows: unknown row '${name}'; choices: etcd, etcd-json, kv, kv-one, gen, workers, start`,
      );
    }
  }
  return out;
}

/** A cold process that reads, validates and checks one history with the compiled checker and a given worker count. */
function workersDriver(): string {
  const path = join(scratch(), 'workers-driver.mjs');
  const dist = join(repo, 'dist');
  writeFileSync(
    path,
    `import { loadHistory } from ${JSON.stringify(join(dist, 'src', 'cli', 'inputs.js'))};
import { checkLinearizable } from ${JSON.stringify(join(dist, 'checkers', 'linearizable', 'index.js'))};
const [file, workers] = process.argv.slice(2);
const loaded = loadHistory(file, undefined);
if (!loaded.ok) throw new Error(loaded.messages.join('\\n'));
const r = await checkLinearizable(loaded.history.ops, 'kv', { workers: workers === 'auto' ? 'auto' : Number(workers) });
process.stdout.write(\`\${r.valid} \${r.stats.workers} workers\\n\`);
`,
  );
  return path;
}

/** `node -e 0` in two environments, alternating, 9 runs each (after one each to warm the page cache). */
async function startCost(
  a: NodeJS.ProcessEnv,
  b: NodeJS.ProcessEnv,
): Promise<{ with: number; without: number }> {
  const times: [number[], number[]] = [[], []];
  for (let run = -1; run < 9; run++) {
    for (const [k, env] of [a, b].entries()) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '0'], { env });
      if (run >= 0) times[k].push((performance.now() - t0) / 1000);
    }
  }
  return { with: median(times[0]), without: median(times[1]) };
}

// ---------------------------------------------------------------- driver

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

interface Samples {
  ours: Measured[];
  peer: Measured[];
  problems: string[];
}

export default async function main(args: string[]): Promise<void> {
  const runs = Number(flag(args, '--runs') ?? 7);
  const names = (flag(args, '--rows') ?? 'etcd,etcd-json,kv,kv-one,gen,workers,start').split(',');
  const opCount = Number(flag(args, '--ops') ?? 100_000);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a whole number ≥ 1');
  const keepEnv = args.includes('--keep-env');
  const load0 = loadavg()[0];
  process.stdout.write(
    `linearizable checker vs Porcupine — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${load0.toFixed(2)}\n`,
  );
  try {
    buildFaultline();
    const dropped = MACHINE_ONLY_ENV.filter((name) => process.env[name] !== undefined);
    let envNote = '';
    if (dropped.length > 0) {
      const cost = await startCost(process.env, withoutMachineOnly(process.env));
      envNote = `environment: ${dropped.join(', ')} set here (node -e 0: ${fmt.s(cost.with)} with, ${fmt.s(cost.without)} without, median of 9); ${
        keepEnv ? 'both tools ran WITH it (--keep-env)' : 'both tools ran without it (--keep-env keeps it)'
      }`;
      process.stdout.write(`${envNote}\n`);
      if (!keepEnv) baseEnv = withoutMachineOnly(process.env);
    }
    const porcupine = buildPorcupine(flag(args, '--go') ?? 'go');
    if ('missing' in porcupine) process.stdout.write(`Porcupine not measured: ${porcupine.missing}\n`);
    let gen: { path: string; ops: number } | undefined;
    if (names.includes('gen') || names.includes('workers')) {
      const path = join(scratch(), 'generated-kv.jsonl');
      const events = writeKvHistory(path, opCount, 1_000, 20);
      gen = { path, ops: opCount };
      process.stdout.write(
        `generated ${fmt.int(opCount)} ops (${fmt.int(events)} events, ${fmt.mib(statSync(path).size / 2 ** 20)}) → ${path}\n`,
      );
    }
    const table = rows(names, porcupine, gen);
    const samples = new Map<Row, Samples>(table.map((r) => [r, { ours: [], peer: [], problems: [] }]));
    // One warm-up run each (page cache, Go's and node's first start), then interleaved runs.
    for (let run = -1; run < runs; run++) {
      for (const row of table) {
        const s = samples.get(row)!;
        const order: ('ours' | 'peer')[] = run % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'];
        for (const who of order) {
          const cmd = who === 'ours' ? row.faultline : row.peer;
          if (!cmd) continue;
          const m = await measure(cmd);
          const problem = who === 'ours' ? row.verify(m) : row.peerVerify?.(m);
          if (problem && s.problems.length < 3)
            s.problems.push(`${who === 'ours' ? 'faultline' : row.peerName}: ${problem}`);
          if (run >= 0) s[who].push(m);
        }
      }
      process.stdout.write(run < 0 ? 'warm-up done\n' : `run ${run + 1}/${runs} done\n`);
    }
    const lines: string[][] = [];
    for (const row of table) {
      const s = samples.get(row)!;
      const ours = median(s.ours.map((m) => m.seconds));
      const oursRss = median(s.ours.map((m) => m.rssMiB));
      const measured = s.peer.length === s.ours.length && s.peer.length > 0;
      const notMeasured = `${row.peerName} not measured`;
      let ratio = notMeasured;
      let peer = notMeasured;
      let peerRss = notMeasured;
      let target = row.minRatio === undefined && row.target === undefined ? '' : notMeasured;
      if (measured) {
        const r = median(s.ours.map((m, i) => s.peer[i].seconds / m.seconds));
        const pRss = median(s.peer.map((m) => m.rssMiB));
        ratio = fmt.ratio(r);
        peer = fmt.s(median(s.peer.map((m) => m.seconds)));
        peerRss = fmt.mib(pRss);
        const parts: string[] = [];
        if (row.target) parts.push(row.target(r, s.ours));
        if (row.minRatio !== undefined)
          parts.push(`≥ ${row.minRatio}×: ${r >= row.minRatio ? 'met' : 'MISSED'}`);
        if (row.rssWithin !== undefined)
          parts.push(`RSS ≤ +${row.rssWithin} MiB: ${oursRss <= pRss + row.rssWithin ? 'met' : 'MISSED'}`);
        target = parts.join('; ');
      }
      lines.push([
        row.label,
        String(row.files),
        fmt.s(ours),
        peer,
        ratio,
        fmt.mib(oursRss),
        peerRss,
        s.problems.length === 0 ? 'right' : `WRONG: ${s.problems.join(' | ')}`,
        target,
      ]);
    }
    printTable(
      `whole processes, median of ${runs} interleaved runs (after a warm-up); ratio = median of per-run peer / faultline (above 1× is faster); load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`,
      [
        'row',
        'files',
        'faultline',
        'peer',
        'peer / faultline',
        'faultline RSS',
        'peer RSS',
        'verdicts',
        'target',
      ],
      lines,
    );
    process.stdout.write(
      `\npeer: Porcupine ${'binary' in porcupine ? `(${porcupine.go}, its test binary)` : 'not measured'} on the etcd, kv, kv-one and gen rows. ` +
        'Peak RSS is the whole process (node alone is ~40 MiB). On a shared machine the seconds are noisy; the ratios less so.\n',
    );
    if (envNote !== '') process.stdout.write(`${envNote}\n`);
  } finally {
    if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  }
}
