/**
 * Elle list-append checker speed and memory: seeded histories of 10k, 100k
 * and 1M transactions from a simulated database (10 concurrent clients),
 * serializable and with injected anomalies, checked for serializable and
 * strict-serializable. Each measurement runs in its own process so peak
 * memory (max RSS, history included) is its own.
 *
 * A second table times the whole `faultline check FILE --checker
 * elle-list-append --consistency-models serializable,strict-serializable`
 * process, as a user runs it (plain node, default heap, Node start-up and
 * reading the JSONL file included; see _elle-process.ts). It runs
 * `npm run build` first, since bin/faultline.js runs dist/.
 *
 *   npm run bench -- elle [--sizes 10000,100000,1000000] [--seed S] [--reps N]
 *                         [--process-sizes 100000,1000000] [--no-build]
 *                         [--only in-process|whole-process]
 *
 * Elle (Clojure, JVM) reports 100–160k txns/s on many-core servers; the
 * ratio column compares with the middle of that range.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  defaultHeapLimitMb,
  haveGnuTime,
  measureWholeProcess,
  type ProcessRun,
  prepareDist,
} from './_elle-process.js';

const ELLE_TXNS_PER_S = 130_000;
const TARGET_TXNS_PER_S = 150_000;

interface Row {
  txns: number;
  variant: string;
  model: string;
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  rssBeforeCheckMb: number;
  valid: boolean | string;
  anomalies: Record<string, number>;
  not: string[];
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export default async function run(args: string[]): Promise<void> {
  const sizes = (flag(args, '--sizes') ?? '10000,100000,1000000').split(',').map(Number);
  const processSizes = (flag(args, '--process-sizes') ?? '100000,1000000').split(',').map(Number);
  const seed = flag(args, '--seed') ?? 'elle-bench';
  const reps = Number(flag(args, '--reps') ?? 2);
  const only = flag(args, '--only');
  if (only !== undefined && only !== 'in-process' && only !== 'whole-process')
    throw new Error(`--only: expected in-process or whole-process, got '${only}'`);
  if (only !== 'whole-process') await inProcess(sizes, seed, reps);
  if (only !== 'in-process') {
    if (only === undefined) process.stdout.write('\n');
    await wholeProcess(processSizes, seed, reps, !args.includes('--no-build'));
  }
}

async function inProcess(sizes: number[], seed: string, reps: number): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const worker = join(here, '_elle-worker.ts');
  process.stdout.write(
    `elle list-append — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, seed ${seed}, best of ${reps} runs, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n`,
  );
  const header = [
    'txns',
    'history',
    'model',
    'txns/s',
    'vs Elle',
    'check ms',
    'cpu ms',
    'peak RSS MB',
    'verdict',
    'anomalies found',
  ];
  const rows: string[][] = [];
  const results: Row[] = [];
  for (const txns of sizes) {
    for (const variant of ['serializable', 'anomalies']) {
      for (const model of ['serializable', 'strict-serializable']) {
        // Best of `reps` fresh processes: the machine may be shared.
        let r: Row | undefined;
        for (let rep = 0; rep < reps; rep++) {
          const out = execFileSync(
            process.execPath,
            ['--max-old-space-size=6144', '--import', 'tsx', worker, String(txns), variant, model, seed],
            { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
          );
          const run = JSON.parse(out.trim().split('\n').pop()!) as Row;
          if (r === undefined || run.wallMs < r.wallMs) r = run;
        }
        if (r === undefined) throw new Error('no measurement');
        results.push(r);
        const rate = (r.txns / r.wallMs) * 1000;
        const found = Object.entries(r.anomalies)
          .map(([k, v]) => `${k}:${v}`)
          .join(' ');
        rows.push([
          r.txns.toLocaleString('en-US'),
          r.variant,
          r.model,
          Math.round(rate).toLocaleString('en-US'),
          `${(rate / ELLE_TXNS_PER_S).toFixed(2)}x`,
          r.wallMs.toFixed(0),
          r.cpuMs.toFixed(0),
          r.peakRssMb.toFixed(0),
          String(r.valid),
          found.length > 60 ? `${found.slice(0, 59)}…` : found || '-',
        ]);
        process.stderr.write(`  done: ${rows[rows.length - 1].slice(0, 4).join(' ')}\n`);
      }
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 3 || i === 9 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  const big = results.filter((r) => r.txns === Math.max(...sizes));
  const worst = Math.min(...big.map((r) => (r.txns / r.wallMs) * 1000));
  const peak = Math.max(...big.map((r) => r.peakRssMb));
  process.stdout.write(
    `load average now ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n`,
  );
  process.stdout.write(
    `\nat ${Math.max(...sizes).toLocaleString('en-US')} txns: slowest ${Math.round(worst).toLocaleString('en-US')} txns/s (target ${TARGET_TXNS_PER_S.toLocaleString('en-US')}: ${worst >= TARGET_TXNS_PER_S ? 'met' : 'NOT met'}), peak RSS ${peak.toFixed(0)} MB (limit 4096: ${peak < 4096 ? 'met' : 'NOT met'}); vs Elle = txns/s ÷ ${ELLE_TXNS_PER_S.toLocaleString('en-US')} (Elle publishes 100–160k on many-core servers)\n`,
  );
}

async function wholeProcess(sizes: number[], seed: string, reps: number, build: boolean): Promise<void> {
  const built = prepareDist(build);
  const rssBy = haveGnuTime() ? 'max RSS from GNU time' : 'VmHWM polled from /proc (a lower bound)';
  process.stdout.write(
    `elle list-append, whole process — node bin/faultline.js check FILE --checker elle-list-append --consistency-models serializable,strict-serializable; no Node flags (default heap limit ${defaultHeapLimitMb().toFixed(0)} MB); best of ${reps} runs; ${built}; peak RSS = ${rssBy}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n`,
  );
  const header = [
    'txns',
    'history',
    'ops',
    'file MB',
    'wall ms',
    'txns/s',
    'cpu ms',
    'peak RSS MB',
    'exit',
    'verdict',
  ];
  const rows: string[][] = [];
  const results = await measureWholeProcess(sizes, seed, reps, (r) => {
    rows.push([
      r.txns.toLocaleString('en-US'),
      r.variant,
      r.ops.toLocaleString('en-US'),
      (r.fileBytes / 2 ** 20).toFixed(0),
      r.wallMs.toFixed(0),
      Math.round((r.txns / r.wallMs) * 1000).toLocaleString('en-US'),
      r.cpuMs === undefined ? '-' : r.cpuMs.toFixed(0),
      `${r.rssPolled ? '≥' : ''}${r.peakRssMb.toFixed(0)}`,
      r.signal ?? String(r.exitCode),
      r.verdict.length > 70 ? `${r.verdict.slice(0, 69)}…` : r.verdict,
    ]);
    process.stderr.write(
      `  done: ${rows[rows.length - 1].slice(0, 2).join(' ')} ${rows[rows.length - 1][5]} txns/s\n`,
    );
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 || i === 9 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(
    `load average now ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n\n`,
  );
  for (const txns of sizes) {
    const rs = results.filter((r) => r.txns === txns);
    const worst = Math.min(...rs.map((r) => (r.txns / r.wallMs) * 1000));
    const peak = Math.max(...rs.map((r) => r.peakRssMb));
    process.stdout.write(
      `whole process at ${txns.toLocaleString('en-US')} txns: slowest ${Math.round(worst).toLocaleString('en-US')} txns/s, start-up and parsing included (target ${TARGET_TXNS_PER_S.toLocaleString('en-US')}: ${worst >= TARGET_TXNS_PER_S ? 'met' : 'NOT met'}), peak RSS ${peak.toFixed(0)} MB (limit 4096: ${peak < 4096 ? 'met' : 'NOT met'})\n`,
    );
  }
  const wrong = results.filter((r) => !expectedVerdict(r));
  for (const r of wrong) {
    process.stdout.write(
      `UNEXPECTED: ${r.txns.toLocaleString('en-US')} ${r.variant}: exit ${r.signal ?? r.exitCode} (${r.verdict}); expected ${r.variant === 'serializable' ? 'exit 0, valid' : 'exit 1, INVALID'}\n${r.stderr.trim().split('\n').slice(0, 5).join('\n')}\n`,
    );
  }
  if (wrong.length > 0) process.exitCode = 1;
}

/** Serializable histories must pass; histories with injected anomalies must fail. */
function expectedVerdict(r: ProcessRun): boolean {
  return r.variant === 'serializable'
    ? r.exitCode === 0 && r.verdict.startsWith('valid')
    : r.exitCode === 1 && r.verdict.startsWith('INVALID');
}
