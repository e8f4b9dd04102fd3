import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, HistoryParseError } from '../history/errors.js';
import { HISTORY_FORMATS, type History, type HistoryFormat } from '../history/op.js';
import { readHistoryFileSync } from '../history/read.js';
import { errorsOf, validateHistory } from '../history/validate.js';
import { optimiseNow } from '../jit.js';
import { requireChoice, UserError } from './user-error.js';

/** File endings `check` and `validate` pick up from a directory. */
export const HISTORY_EXTENSIONS = ['.jsonl', '.edn', '.log', '.txt'] as const;

/** Expand FILE...|DIR arguments: a directory means its history files, sorted by name. */
export function expandInputs(args: readonly string[]): string[] {
  if (args.length === 0) throw new UserError('name at least one history file or directory');
  const out: string[] = [];
  for (const arg of args) {
    let isDir = false;
    try {
      isDir = statSync(arg).isDirectory();
    } catch {
      throw new UserError(`${arg}: no such file or directory`);
    }
    if (!isDir) {
      out.push(arg);
      continue;
    }
    const files = readdirSync(arg)
      .filter((f) => HISTORY_EXTENSIONS.some((ext) => f.endsWith(ext)))
      .sort()
      .map((f) => join(arg, f));
    if (files.length === 0)
      throw new UserError(`${arg}: no history files (${HISTORY_EXTENSIONS.join(', ')}) in this directory`);
    out.push(...files);
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

export type LoadedHistory =
  | { ok: true; history: History; warnings: string[] }
  | { ok: false; messages: string[] };

/**
 * Read and validate one history. Errors make it unloadable; warnings (see
 * src/history/validate.ts) come back beside it. Both as `FILE:LINE: message` lines.
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
    if (err instanceof HistoryParseError) return { ok: false, messages: [err.message] };
    throw err;
  }
  const problems = validateHistory(history, opts);
  if (errorsOf(problems).length > 0)
    return { ok: false, messages: problems.map((p) => formatProblem(path, p)) };
  return { ok: true, history, warnings: problems.map((p) => formatProblem(path, p)) };
}
