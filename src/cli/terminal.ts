/**
 * What the CLI shows on a terminal besides its results: colour (only on a
 * TTY, `NO_COLOR` and `FORCE_COLOR` respected) and progress for long work
 * (a live bar on a TTY, a plain line every few seconds otherwise, nothing
 * with --quiet or --json). Progress and colour never touch stdout's JSON:
 * progress goes to stderr.
 */
import { createRequire } from 'node:module';
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

interface Stream {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

/** NO_COLOR (any non-empty value) turns colour off; FORCE_COLOR (not 0/false) turns it on; else a TTY has it. */
export function colorEnabled(stream: Stream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return stream.isTTY === true;
}

/** Colour functions for one stream (identity functions when colour is off). */
export function colorsFor(stream: Stream, env: NodeJS.ProcessEnv = process.env): Colors {
  return pc.createColors(colorEnabled(stream, env));
}

/** A verdict word as the CLI prints it: valid green, INVALID bold red, unknown yellow. */
export function verdictWord(valid: true | false | 'unknown', c: Colors): string {
  if (valid === true) return c.green('valid');
  if (valid === false) return c.bold(c.red('INVALID'));
  return c.yellow('unknown');
}

export interface ProgressOptions {
  /** What is being done, e.g. `search raft`. */
  label: string;
  /** Units of work in all, when known (seeds, simulated seconds, operations). */
  total?: number;
  /** What a unit is, e.g. `seeds`, `sim s`, `ops`. */
  unit: string;
  /** Where progress goes; default stderr. */
  stream?: Stream;
  /** --quiet or --json: show nothing. */
  silent?: boolean;
  /** Plain (non-TTY) lines at most this often; default 5 s. */
  plainIntervalMs?: number;
  /** Show units per second (default true; off for a display of elapsed time). */
  showRate?: boolean;
}

export interface Progress {
  /** Work done so far, and extra fields shown after the rate (e.g. `{ failures: 2 }`). */
  update(done: number, extra?: Readonly<Record<string, string | number>>): void;
  /** Remove the bar (a TTY) and stop; safe to call twice. */
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

/** A progress display for long work: a bar on a TTY, throttled plain lines otherwise. */
export function startProgress(opts: ProgressOptions): Progress {
  if (opts.silent) return SILENT;
  const stream = opts.stream ?? process.stderr;
  return stream.isTTY === true ? ttyProgress(opts, stream) : plainProgress(opts, stream);
}

function extraText(extra: Readonly<Record<string, string | number>> | undefined): string {
  if (!extra) return '';
  return Object.entries(extra)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
}

/**
 * cli-progress (and node:readline with it) loads on the first bar: only a
 * run or a search on a terminal draws one, and a check never does.
 */
let cliProgressModule: typeof import('cli-progress') | undefined;
function cliProgress(): typeof import('cli-progress') {
  cliProgressModule ??= createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');
  return cliProgressModule;
}

function ttyProgress(opts: ProgressOptions, stream: Stream): Progress {
  const { SingleBar, Presets } = cliProgress();
  const known = opts.total !== undefined && opts.total > 0;
  const bar = new SingleBar(
    {
      format: known
        ? `${opts.label} [{bar}] {percentage}% | {value}/{total} ${opts.unit} | {rate}/s | ETA {eta_formatted} {extra}`
        : `${opts.label} {value} ${opts.unit}${opts.showRate === false ? '' : ' | {rate}/s'} {extra}`,
      stream: stream as NodeJS.WritableStream,
      clearOnComplete: true,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    Presets.shades_classic,
  );
  const startedMs = Date.now();
  bar.start(known ? opts.total! : 0, 0, { rate: '0', extra: '' });
  let stopped = false;
  return {
    update(done, extra) {
      if (stopped) return;
      const s = (Date.now() - startedMs) / 1000;
      const e = extraText(extra);
      bar.update(done, { rate: s > 0 ? (done / s).toFixed(1) : '0', extra: e ? `| ${e}` : '' });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}

function plainProgress(opts: ProgressOptions, stream: Stream): Progress {
  const intervalMs = opts.plainIntervalMs ?? 5000;
  const startedMs = Date.now();
  let lastMs = startedMs;
  let stopped = false;
  return {
    update(done, extra) {
      if (stopped) return;
      const nowMs = Date.now();
      if (nowMs - lastMs < intervalMs) return;
      lastMs = nowMs;
      const s = (nowMs - startedMs) / 1000;
      const rate = s > 0 ? done / s : 0;
      const of = opts.total !== undefined ? `/${opts.total}` : '';
      const eta =
        opts.total !== undefined && rate > 0
          ? `, ETA ${Math.max(0, (opts.total - done) / rate).toFixed(0)} s`
          : '';
      const e = extraText(extra);
      const rateText = opts.showRate === false ? '' : ` (${rate.toFixed(1)}/s${eta})`;
      stream.write(`${opts.label}: ${done}${of} ${opts.unit}${rateText}${e ? `, ${e}` : ''}\n`);
    },
    stop() {
      stopped = true;
    },
  };
}

export interface ElapsedOptions {
  label: string;
  silent?: boolean;
  stream?: Stream;
  /** Show nothing for work quicker than this (default 1 s): no flicker for a fast check. */
  delayMs?: number;
}

/**
 * Run `work` (something that reports no progress of its own, such as a
 * checker) while showing how long it has been running: a live line on a TTY,
 * a plain line every 10 s otherwise, nothing when silent or quick.
 */
export async function withElapsed<T>(opts: ElapsedOptions, work: () => Promise<T>): Promise<T> {
  if (opts.silent) return work();
  const startedMs = Date.now();
  let progress: Progress | undefined;
  const tick = () => {
    progress ??= startProgress({
      label: opts.label,
      unit: 's elapsed',
      showRate: false,
      plainIntervalMs: 10_000,
      stream: opts.stream,
    });
    progress.update(Math.round((Date.now() - startedMs) / 100) / 10);
  };
  const delay = setTimeout(tick, opts.delayMs ?? 1000);
  const ticker = setInterval(() => {
    if (Date.now() - startedMs >= (opts.delayMs ?? 1000)) tick();
  }, 200);
  delay.unref();
  ticker.unref();
  try {
    return await work();
  } finally {
    clearTimeout(delay);
    clearInterval(ticker);
    progress?.stop();
  }
}
