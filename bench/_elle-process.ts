/**
 * The whole-process half of bench/elle.ts: what a user runs. Each seeded
 * history is written once to a JSONL file (the store's own writer, in a
 * temporary folder deleted afterwards), then
 *
 *   node bin/faultline.js check FILE --checker elle-list-append \
 *     --consistency-models serializable,strict-serializable
 *
 * runs as a child process with no Node flags (Node's default heap;
 * NODE_OPTIONS is removed from its environment), timed from outside: Node
 * start-up, reading, parsing, validating and checking all count. Peak memory
 * is the child's max RSS from GNU time (`/usr/bin/time -f %M`), or else
 * VmHWM polled from /proc (then a lower bound, marked ≥).
 *
 * bin/faultline.js runs dist/, so `npm run build` runs first (`--no-build`
 * instead checks that dist/ is newer than every source file, and stops if not).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const GNU_TIME = '/usr/bin/time';
const MODELS = 'serializable,strict-serializable';

export interface ProcessRun {
  txns: number;
  variant: string;
  ops: number;
  fileBytes: number;
  wallMs: number;
  cpuMs?: number;
  peakRssMb: number;
  /** True when peakRssMb was polled (a lower bound), not measured by GNU time. */
  rssPolled: boolean;
  exitCode: number | null;
  signal: string | null;
  verdict: string;
  stderr: string;
}

/** Build dist/ (or, with build false, check it is fresh); returns a line saying which. */
export function prepareDist(build: boolean): string {
  if (build) {
    const t0 = performance.now();
    try {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`npm run build failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
    }
    return `dist/ rebuilt by npm run build (${((performance.now() - t0) / 1000).toFixed(1)} s)`;
  }
  const stale: string[] = [];
  let files = 0;
  // tsconfig.build.json compiles these folders into dist/.
  for (const top of ['src', 'checkers', 'workloads', 'systems']) {
    for (const ts of walk(join(root, top))) {
      if (!ts.endsWith('.ts') || ts.endsWith('.d.ts')) continue;
      files++;
      const js = join(root, 'dist', `${relative(root, ts).slice(0, -3)}.js`);
      if (!existsSync(js) || statSync(js).mtimeMs < statSync(ts).mtimeMs) stale.push(relative(root, ts));
    }
  }
  if (stale.length > 0) {
    throw new Error(
      `dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}): run npm run build, or drop --no-build`,
    );
  }
  return `dist/ not rebuilt (--no-build); newer than all ${files} source files`;
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

/** The heap limit a plain `node` gets on this machine, in MiB. */
export function defaultHeapLimitMb(): number {
  const out = execFileSync(
    process.execPath,
    ['-p', 'require("node:v8").getHeapStatistics().heap_size_limit'],
    { encoding: 'utf8', env: childEnv() },
  );
  return Number(out.trim()) / 2 ** 20;
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/** True when GNU time is there and takes -f/-o (busybox's may not). */
export function haveGnuTime(): boolean {
  if (!existsSync(GNU_TIME)) return false;
  try {
    execFileSync(GNU_TIME, ['-f', '%M', '-o', '/dev/null', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Measure the whole process for each size and variant, best (lowest wall
 * time) of `reps` runs, calling `done` after each row.
 */
export async function measureWholeProcess(
  sizes: number[],
  seed: string,
  reps: number,
  done: (r: ProcessRun) => void,
): Promise<ProcessRun[]> {
  const gnuTime = haveGnuTime();
  const dir = mkdtempSync(join(tmpdir(), 'faultline-elle-bench-'));
  const results: ProcessRun[] = [];
  try {
    for (const txns of sizes) {
      for (const variant of ['serializable', 'anomalies']) {
        const file = join(dir, `elle-${txns}-${variant}.jsonl`);
        const written = JSON.parse(
          execFileSync(
            process.execPath,
            [
              '--max-old-space-size=6144',
              '--import',
              'tsx',
              join(here, '_elle-write.ts'),
              String(txns),
              variant,
              seed,
              file,
            ],
            { encoding: 'utf8', cwd: root },
          )
            .trim()
            .split('\n')
            .pop()!,
        ) as { ops: number; bytes: number };
        let best: ProcessRun | undefined;
        for (let rep = 0; rep < reps; rep++) {
          const run = await runCheck(file, dir, gnuTime);
          const r: ProcessRun = { txns, variant, ops: written.ops, fileBytes: written.bytes, ...run };
          if (best === undefined || r.wallMs < best.wallMs) best = r;
        }
        rmSync(file, { force: true });
        results.push(best!);
        done(best!);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

type CheckRun = Omit<ProcessRun, 'txns' | 'variant' | 'ops' | 'fileBytes'>;

async function runCheck(file: string, dir: string, gnuTime: boolean): Promise<CheckRun> {
  const cli = [join(root, 'bin', 'faultline.js'), 'check', file, '--checker', 'elle-list-append'];
  cli.push('--consistency-models', MODELS);
  const timeFile = join(dir, 'time.txt');
  const [cmd, argv] = gnuTime
    ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...cli]]
    : [process.execPath, cli];
  const t0 = performance.now();
  const child = spawn(cmd, argv, { cwd: root, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  // Without GNU time: the high-water mark of the node child's resident set, polled.
  let hwmKb = 0;
  const poll = gnuTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s*(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
        } catch {
          // exited between polls
        }
      }, 20);
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  const wallMs = performance.now() - t0;
  if (poll) clearInterval(poll);
  let peakRssMb = hwmKb / 1024;
  let cpuMs: number | undefined;
  if (gnuTime) {
    // A child killed by a signal gets a "Command terminated by signal N" line first.
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const [kb, user, sys] = last.split(' ').map(Number);
    peakRssMb = kb / 1024;
    cpuMs = (user + sys) * 1000;
  }
  return {
    wallMs,
    cpuMs,
    peakRssMb,
    rssPolled: !gnuTime,
    exitCode,
    signal,
    verdict: verdictOf(stdout, stderr),
    stderr,
  };
}

/** The verdict line without its file name, or what went wrong. */
function verdictOf(stdout: string, stderr: string): string {
  const first = stdout.split('\n')[0];
  if (first.includes('\t')) return first.split('\t').slice(1).join(' — ');
  if (/heap out of memory|Reached heap limit/i.test(stderr)) return 'out of memory (JS heap)';
  const err = stderr.trim().split('\n')[0];
  return err ? `error: ${err}` : '(no output)';
}
