/** How bad a problem is: an error stops every command; a warning only `validate --strict`. */
export type Severity = 'error' | 'warning';

/** A problem in a history file, located by its 1-based line (0: the file as a whole). */
export interface HistoryProblem {
  line: number;
  message: string;
  severity: Severity;
  /** A stable machine name for the kind of problem: `parse`, `time-goes-back`, … */
  kind: string;
}

/** Thrown by readers on input they cannot parse; `source:line: message` when printed. */
export class HistoryParseError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(line > 0 ? `${source}:${line}: ${problem}` : `${source}: ${problem}`);
    this.name = 'HistoryParseError';
  }
}

/** `FILE:LINE: message`, with `warning: ` before the message of a warning. */
export function formatProblem(source: string, p: HistoryProblem): string {
  const message = p.severity === 'warning' ? `warning: ${p.message}` : p.message;
  return p.line > 0 ? `${source}:${p.line}: ${message}` : `${source}: ${message}`;
}
