import type { CheckResult } from '../../checkers/types.js';

/** Report lines printed under a verdict; the rest stay in --json / results.json. */
export const REPORT_LINES_SHOWN = 5;

/** The first report lines of a non-valid result, indented, with a count of the rest. */
export function reportExcerpt(result: CheckResult, indent: string): string[] {
  if (result.valid === true || !Array.isArray(result.report)) return [];
  const lines = result.report.slice(0, REPORT_LINES_SHOWN).map((l) => `${indent}${l}`);
  const more = result.report.length - REPORT_LINES_SHOWN;
  if (more > 0) lines.push(`${indent}… ${more} more in the JSON result`);
  return lines;
}
