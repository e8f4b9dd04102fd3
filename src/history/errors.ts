/** A problem in a history file, located by its 1-based line. */
export interface HistoryProblem {
  line: number;
  message: string;
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

export function formatProblem(source: string, p: HistoryProblem): string {
  return p.line > 0 ? `${source}:${p.line}: ${p.message}` : `${source}: ${p.message}`;
}
