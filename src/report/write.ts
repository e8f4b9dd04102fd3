/**
 * Writing report.html: for a run directory from its own files (test.json,
 * history.jsonl, results.json), which is what `runTest` calls when a run
 * ends and what `faultline report RUN_DIR` calls for any stored run; or for
 * a history file and the result of checking it.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CheckResult } from '../../checkers/types.js';
import type { History, Op } from '../history/op.js';
import { readHistoryFileSync } from '../history/read.js';
import { buildReportData, type ReportData, type ReportInput } from './data.js';
import { renderReportHtml } from './html.js';

export const REPORT_FILE = 'report.html';

/** A run directory the report cannot be written for (no history in it, unreadable JSON). */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

function readJsonIfThere(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ReportInputError(`${path}: cannot read: ${(err as Error).message}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new ReportInputError(`${path}: expected a JSON object`);
    return v as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ReportInputError) throw err;
    throw new ReportInputError(`${path}: not valid JSON: ${(err as Error).message}`);
  }
}

/** Files of a run directory the report links to (relative paths, the report itself left out). */
function runFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === REPORT_FILE || name.startsWith('.')) continue;
    const p = join(dir, name);
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      for (const inner of readdirSync(p).sort()) out.push(`${name}/${inner}`);
    } else {
      out.push(name);
    }
  }
  return out;
}

/** The checker results a results.json holds: `{checker, result}`, or `{results: [{checker, result}…]}`. */
export function checksOf(results: Record<string, unknown> | undefined): ReportInput['checks'] {
  if (!results) return [];
  if (Array.isArray(results.results)) {
    return (results.results as Record<string, unknown>[])
      .filter((r) => typeof r === 'object' && r !== null && typeof r.result === 'object')
      .map((r) => ({ checker: String(r.checker), result: r.result as CheckResult }));
  }
  if (typeof results.result === 'object' && results.result !== null) {
    return [{ checker: String(results.checker ?? 'checker'), result: results.result as CheckResult }];
  }
  return [];
}

/**
 * The report data of a run directory, from its files; `history`, when the
 * caller has the run's history in memory already, saves reading it again.
 */
export function runReportData(dir: string, generatedAt?: string, history?: readonly Op[]): ReportData {
  const historyPath = join(dir, 'history.jsonl');
  if (!existsSync(historyPath))
    throw new ReportInputError(`${dir}: no history.jsonl here (not a run directory?)`);
  const test = readJsonIfThere(join(dir, 'test.json'));
  const results = readJsonIfThere(join(dir, 'results.json'));
  let ops = history;
  if (!ops) {
    try {
      ops = readHistoryFileSync(historyPath, { format: 'jsonl' }).ops;
    } catch (err) {
      throw new ReportInputError((err as Error).message);
    }
  }
  const notes: string[] = [];
  if (!results) notes.push('No results.json yet: the run is still going, or stopped before its check.');
  else if (results.crashed === true)
    notes.push(
      `The run crashed: ${String(results.error)}. The history below is what was written until then.`,
    );
  return buildReportData({
    title: typeof test?.name === 'string' ? test.name : basename(dir),
    source: { kind: 'run', dir },
    test,
    history: ops,
    checks: checksOf(results),
    runSummary: results?.summary,
    files: runFiles(dir),
    notes,
    generatedAt,
  });
}

/** Write a file whole or not at all: a reader (serve) never sees half a report. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    // A full disk: leave no half-written temporary behind.
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Write (or rewrite) `dir/report.html`; returns its path. */
export function writeRunReport(
  dir: string,
  opts: { out?: string; generatedAt?: string; history?: readonly Op[] } = {},
): string {
  const out = opts.out ?? join(dir, REPORT_FILE);
  writeAtomically(out, renderReportHtml(runReportData(dir, opts.generatedAt, opts.history)));
  return out;
}

/** Write the report of a history file and its checks to `out`; returns `out`. */
export function writeHistoryReport(
  history: History,
  checks: ReportInput['checks'],
  out: string,
  generatedAt?: string,
): string {
  const data = buildReportData({
    title: basename(history.source),
    source: { kind: 'history', path: history.source },
    history: history.ops,
    positional: history.format === 'jepsen-log',
    checks,
    generatedAt,
  });
  writeAtomically(out, renderReportHtml(data));
  return out;
}
