/**
 * Elle list-append checker speed and memory: seeded histories of 10k, 100k
 * and 1M transactions from a simulated database (10 concurrent clients),
 * serializable and with injected anomalies, checked for serializable and
 * strict-serializable. Each measurement runs in its own process so peak
 * memory (max RSS, history included) is its own.
 *
 *   npm run bench -- elle [--sizes 10000,100000,1000000] [--seed S] [--reps N]
 *
 * Elle (Clojure, JVM) reports 100–160k txns/s on many-core servers; the
 * ratio column compares with the middle of that range.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const seed = flag(args, '--seed') ?? 'elle-bench';
  const reps = Number(flag(args, '--reps') ?? 2);
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
