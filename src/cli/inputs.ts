import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CheckOptions } from '../../checkers/types.js';
import { formatProblem, HistoryParseError, type Severity } from '../history/errors.js';
import { HISTORY_FORMATS, type History, type HistoryFormat } from '../history/op.js';
import { readHistoryFileSync } from '../history/read.js';
import { validateHistory } from '../history/validate.js';
import { optimiseNow } from '../jit.js';
import type { PluginModules } from '../plugins/load.js';
import { fsFailure } from './fs-errors.js';
import { shortMessage } from './output.js';
import { requireChoice, UserError } from './user-error.js';

/** File endings `check` and `validate` pick up from a directory. */
export const HISTORY_EXTENSIONS = ['.jsonl', '.edn', '.log', '.txt'] as const;

/** The checker a stored faultline run was judged with (its test.json). */
export interface StoredChecker {
  name: string;
  options: CheckOptions;
}

/**
 * One history to read. `problem` is set when the argument cannot be read at
 * all (a missing file): it is reported in its turn, and the others are still
 * read. `runDir` is set for a run directory (faultline's or Jepsen's store).
 */
export interface InputEntry {
  path: string;
  problem?: string;
  runDir?: string;
  /** From a faultline run's test.json: the checker and options it was run with. */
  storedChecker?: StoredChecker;
  /** A short name for the input, unique among the inputs (names the --out subfolder). */
  label: string;
}

/**
 * A directory that is one stored run: faultline's (test.json beside
 * history.jsonl) or Jepsen's (history.edn, as `store/<test>/<time>/` holds).
 * Its node logs (n1.log, jepsen.log) are not histories.
 */
async function runDirHistory(
  dir: string,
): Promise<{ path: string; storedChecker?: StoredChecker } | undefined> {
  if (existsSync(join(dir, 'test.json'))) {
    return { path: join(dir, 'history.jsonl'), storedChecker: await storedCheckerOf(dir) };
  }
  for (const name of ['history.jsonl', 'history.edn']) {
    if (existsSync(join(dir, name))) return { path: join(dir, name) };
  }
  return undefined;
}

/** The checker recorded in a run's test.json (or, for runs stored before it was recorded, its workload's). */
async function storedCheckerOf(dir: string): Promise<StoredChecker | undefined> {
  const file = join(dir, 'test.json');
  let test: { checker?: StoredChecker; config?: { workload?: string; modules?: PluginModules } };
  try {
    test = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const f = fsFailure(err);
    throw new UserError(f ? f.problem : `not JSON (${(err as Error).message})`);
  }
  // A run of the user's own system or workload: its modules register the checker it names (loaded only here).
  if (test.config?.modules !== undefined)
    await (await import('../plugins/load.js')).loadRunModules(test.config.modules);
  if (test.checker && typeof test.checker.name === 'string') {
    return { name: test.checker.name, options: { ...(test.checker.options ?? {}) } };
  }
  if (test.config?.workload === undefined) return undefined;
  // The workloads (and the systems they name) load only here: a check of history files never needs them.
  const { findWorkload } = await import('../../workloads/registry.js');
  const workload = findWorkload(test.config.workload);
  return workload ? { name: workload.checker.name, options: { ...workload.checker.options } } : undefined;
}

/**
 * Expand FILE...|DIR arguments: a run directory means its history, another
 * directory its history files sorted by name. A missing argument becomes an
 * entry with a problem, so every other input is still read.
 */
export async function expandInputs(args: readonly string[]): Promise<InputEntry[]> {
  if (args.length === 0) throw new UserError('name at least one history file or directory');
  const out: InputEntry[] = [];
  for (const arg of args) {
    let isDir = false;
    try {
      isDir = statSync(arg).isDirectory();
    } catch (err) {
      out.push({ path: arg, label: basename(arg), problem: fsFailure(err)?.problem ?? String(err) });
      continue;
    }
    if (!isDir) {
      out.push({ path: arg, label: basename(arg) });
      continue;
    }
    let run: Awaited<ReturnType<typeof runDirHistory>>;
    try {
      run = await runDirHistory(arg);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      out.push({ path: join(arg, 'test.json'), label: basename(arg), problem: err.message });
      continue;
    }
    if (run) {
      out.push({ ...run, runDir: arg, label: basename(arg) });
      continue;
    }
    let files: string[];
    try {
      files = readdirSync(arg);
    } catch (err) {
      out.push({ path: arg, label: basename(arg), problem: fsFailure(err)?.problem ?? String(err) });
      continue;
    }
    const histories = files.filter((f) => HISTORY_EXTENSIONS.some((ext) => f.endsWith(ext))).sort();
    if (histories.length === 0) {
      out.push({
        path: arg,
        label: basename(arg),
        problem: `no history files (${HISTORY_EXTENSIONS.join(', ')}) in this directory, and it is not a run directory (test.json, history.jsonl or history.edn)`,
      });
      continue;
    }
    for (const f of histories) out.push({ path: join(arg, f), label: f });
  }
  // Labels name --out subfolders: make them unique (two run dirs can share a name under different tests).
  const seen = new Map<string, number>();
  for (const e of out) {
    const n = seen.get(e.label) ?? 0;
    seen.set(e.label, n + 1);
    if (n > 0) e.label = `${e.label}-${n + 1}`;
  }
  return out;
}

export function parseFormatFlag(value: string | undefined): HistoryFormat | undefined {
  return value === undefined ? undefined : requireChoice('--format', value, HISTORY_FORMATS);
}

/** Inputs above this size are read with the optimising compiler on. */
const BIG_INPUT_BYTES = 2 * 2 ** 20;

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // the reader names the problem
  }
}

/** A problem with a history, located: `line` 0 means the file as a whole. */
export interface LocatedProblem {
  file: string;
  line: number;
  message: string;
  severity: Severity;
  /** A stable machine name (`parse`, `time-goes-back`, …; `unreadable` for a file that cannot be read). */
  kind: string;
}

export type LoadedHistory =
  | { ok: true; history: History; problems: LocatedProblem[] }
  | { ok: false; problems: LocatedProblem[] };

/** `FILE:LINE: message` (or `FILE: message` for the file as a whole). */
export function formatLocated(p: LocatedProblem): string {
  return formatProblem(p.file, p);
}

/**
 * Read and validate one history; every problem comes back located. Errors
 * make it unloadable (`ok` false); warnings (see src/history/validate.ts,
 * errors under `strict`) come back beside the history.
 */
export function loadHistory(
  path: string,
  format: HistoryFormat | undefined,
  opts: { strict?: boolean } = {},
): LoadedHistory {
  // A big file makes a long run: V8's optimising compiler pays from the start (src/jit.ts).
  if (fileBytes(path) > BIG_INPUT_BYTES) optimiseNow();
  let history: History;
  try {
    history = readHistoryFileSync(path, { format });
  } catch (err) {
    if (err instanceof HistoryParseError)
      return {
        ok: false,
        problems: [
          {
            file: path,
            line: err.line,
            message: shortMessage(err.problem),
            severity: 'error',
            kind: 'parse',
          },
        ],
      };
    throw err;
  }
  const problems: LocatedProblem[] = validateHistory(history, opts).map((p) => ({
    file: path,
    line: p.line,
    message: shortMessage(p.message),
    severity: p.severity,
    kind: p.kind,
  }));
  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems };
  return { ok: true, history, problems };
}
