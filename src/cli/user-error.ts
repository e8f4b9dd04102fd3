import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * A mistake of the user's (bad flag, unreadable file, malformed history):
 * printed as one clear message, never with a stack trace.
 */
export class UserError extends Error {
  /** The file the mistake is in or about, when there is one (`--json` errors carry it). */
  readonly file: string | undefined;
  /** Its 1-based line, when known. */
  readonly line: number | undefined;

  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.badArguments,
    where: { file?: string; line?: number } = {},
  ) {
    super(message);
    this.name = 'UserError';
    this.file = where.file;
    this.line = where.line;
  }
}

/** Refuse a value that is not one of `choices`, naming the flag and the choices. */
export function requireChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UserError(
    `${flag}: unknown value '${value}'; choices: ${choices.length > 0 ? choices.join(', ') : '(none)'}`,
  );
}

/** Parse a number flag, naming the flag on error. */
export function parseNumberFlag(
  flag: string,
  value: string,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n))) {
    throw new UserError(`${flag}: expected ${opts.integer ? 'an integer' : 'a number'}, got '${value}'`);
  }
  if (opts.min !== undefined && n < opts.min)
    throw new UserError(`${flag}: must be at least ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max)
    throw new UserError(`${flag}: must be at most ${opts.max}, got ${n}`);
  return n;
}
