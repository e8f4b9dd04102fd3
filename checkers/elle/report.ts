/**
 * Plain words for a result that is not valid, from the explanations the
 * checker already wrote: one line per anomaly case for the result's `report`
 * (most serious types first), and Elle-style text files, `elle/<type>.txt`,
 * listing each case of a type with its explanation and the transactions
 * involved, so a person can check them by hand. Only results that are not
 * valid get either, so a passing check pays nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnomalyCase } from './analysis.js';
import { CYCLE_EXISTS_SPECS, CYCLE_TYPES } from './cycles.js';
import { formatTxnInfo, type TxnInfo, type Txns, txnInfo } from './txns.js';

/** At most this many cases of one anomaly type in the report and in its text file. */
export const MAX_CASES_PER_TYPE = 100;

/** Transactions of a cycle-exists case listed in its text file, at most. */
const MAX_SCC_TXNS_SHOWN = 20;

/** Report order: cycles in search (severity) order, then the rest, then what could not be finished. */
const ORDER: readonly string[] = [
  ...CYCLE_TYPES,
  ...CYCLE_EXISTS_SPECS.map((s) => `${s.model}-cycle-exists`),
  'G1a',
  'G1b',
  'dirty-update',
  'garbage-read',
  'duplicate-elements',
  'incompatible-order',
  'cyclic-versions',
  'lost-update',
  'future-read',
  'internal',
];
const LAST: readonly string[] = ['cycle-search-timeout', 'empty-transaction-graph'];

function rank(type: string): number {
  const i = ORDER.indexOf(type);
  if (i >= 0) return i;
  const j = LAST.indexOf(type);
  return j >= 0 ? ORDER.length + 1 + j : ORDER.length;
}

/** Anomaly types, most serious first. */
export function reportOrder(types: Iterable<string>): string[] {
  return [...types].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

interface CycleCase {
  cycle: { name: string; index: number }[];
  steps: { from: string; to: string; explanation: string }[];
}

function isCycleCase(c: AnomalyCase): c is AnomalyCase & CycleCase {
  return Array.isArray(c.cycle) && Array.isArray(c.steps) && c.steps.length > 0;
}

/**
 * One self-contained line for a case: a cycle's steps on one line, with the
 * operations its transactions are; any other case's explanation as it is.
 */
export function caseLine(type: string, c: AnomalyCase): string {
  if (isCycleCase(c)) {
    const who = c.cycle.map((x) => `${x.name} = operation ${x.index}`).join(', ');
    const why = c.steps.map((s) => `${s.from} < ${s.to} because ${s.explanation}`).join('; ');
    return `${type} (${who}): ${why}: a contradiction`;
  }
  return `${type}: ${c.explanation.replace(/\s*\n\s*/g, ' ')}`;
}

/** The report of a result's anomalies: a line per case, most serious types first, capped per type. */
export function reportLines(anomalies: Readonly<Record<string, readonly AnomalyCase[]>>): string[] {
  const out: string[] = [];
  for (const type of reportOrder(Object.keys(anomalies))) {
    const cases = anomalies[type];
    const shown = Math.min(cases.length, MAX_CASES_PER_TYPE);
    for (let i = 0; i < shown; i++) out.push(caseLine(type, cases[i]));
    if (cases.length > shown) {
      out.push(`${type}: ${cases.length - shown} more cases, each explained under anomalies["${type}"]`);
    }
  }
  return out;
}

/** The line for a check that could not run at all. */
export function errorLine(error: { type: string; message: string }): string {
  return `could not check the history (${error.type}): ${error.message}`;
}

function isTxnInfo(v: unknown): v is TxnInfo {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.index === 'number' && typeof o.type === 'string' && Array.isArray(o.value) && 'process' in o
  );
}

/** The transactions a non-cycle case names (its reader, writer, txns …), each once. */
function caseTxns(c: AnomalyCase): TxnInfo[] {
  const out: TxnInfo[] = [];
  const seen = new Set<number>();
  const add = (v: unknown) => {
    if (isTxnInfo(v) && !seen.has(v.index)) {
      seen.add(v.index);
      out.push(v);
    }
  };
  for (const v of Object.values(c)) {
    if (Array.isArray(v)) for (const x of v) add(x);
    else add(v);
  }
  return out;
}

/**
 * Write `elle/<type>.txt` under outDir for each anomaly type: every case
 * (at most MAX_CASES_PER_TYPE, then how many were left out) with its
 * explanation and the transactions involved. Returns the files written.
 */
export function writeAnomalyTexts(
  outDir: string,
  t: Txns,
  anomalies: Readonly<Record<string, readonly AnomalyCase[]>>,
): string[] {
  const types = reportOrder(Object.keys(anomalies));
  if (types.length === 0) return [];
  const dir = join(outDir, 'elle');
  mkdirSync(dir, { recursive: true });
  // Op index → txn id, built only if a cycle-exists case needs it.
  let byIndex: Map<number, number> | undefined;
  const txnAt = (index: number): TxnInfo | undefined => {
    if (!byIndex) {
      byIndex = new Map();
      for (let id = 0; id < t.n; id++) byIndex.set(txnInfo(t, id).index, id);
    }
    const id = byIndex.get(index);
    return id === undefined ? undefined : txnInfo(t, id);
  };
  const written: string[] = [];
  for (const type of types) {
    const cases = anomalies[type];
    const shown = Math.min(cases.length, MAX_CASES_PER_TYPE);
    const parts: string[] = [`${type}: ${cases.length} case${cases.length === 1 ? '' : 's'}`];
    for (let i = 0; i < shown; i++) {
      const c = cases[i];
      const lines = [`${type} #${i + 1}`, c.explanation];
      if (!isCycleCase(c)) {
        // A cycle's explanation already shows its transactions; other cases name them by operation.
        let txns = caseTxns(c);
        let more = 0;
        if (type.endsWith('-cycle-exists') && Array.isArray(c.scc)) {
          const scc = c.scc as number[];
          txns = scc.slice(0, MAX_SCC_TXNS_SHOWN).flatMap((index) => txnAt(index) ?? []);
          more = scc.length - Math.min(scc.length, MAX_SCC_TXNS_SHOWN);
        }
        if (txns.length > 0) {
          lines.push('', 'Transactions:', ...txns.map((x) => `  ${formatTxnInfo(x)}`));
          if (more > 0) lines.push(`  … ${more} more`);
        }
      }
      parts.push(lines.join('\n'));
    }
    if (cases.length > shown) {
      parts.push(
        `… ${cases.length - shown} more ${type} cases not written here (at most ${MAX_CASES_PER_TYPE} per type); the result's anomalies["${type}"] holds them all`,
      );
    }
    const file = join(dir, `${type}.txt`);
    writeFileSync(file, `${parts.join('\n\n')}\n`);
    written.push(file);
  }
  return written;
}
