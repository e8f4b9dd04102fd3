/** Jepsen's exit codes. */
export const EXIT = {
  valid: 0,
  invalid: 1,
  unknown: 2,
  badArguments: 254,
  crashed: 255,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for a checker verdict. */
export function exitCodeForValid(valid: true | false | 'unknown'): ExitCode {
  return valid === true ? EXIT.valid : valid === false ? EXIT.invalid : EXIT.unknown;
}

/** Worst verdict wins: invalid over unknown over valid. */
export function combineValid(
  a: true | false | 'unknown',
  b: true | false | 'unknown',
): true | false | 'unknown' {
  if (a === false || b === false) return false;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return true;
}
