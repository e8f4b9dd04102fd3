import { PluginError } from '../plugins/errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { fsFailure } from './fs-errors.js';
import { UserError } from './user-error.js';

/**
 * How a command reports what went wrong: one line on stderr
 * (`faultline: FILE:LINE: what`), and under `--json` also one JSON object on
 * stdout — `{"error", "file", "line", "exitCode"}`, file and line where known —
 * so a script reading stdout sees every error in the same stream as results.
 */
export interface ErrorReport {
  error: string;
  file?: string;
  line?: number;
  exitCode: ExitCode;
}

/** Longest error message printed whole; longer ones (a huge token echoed back) are cut to an excerpt. */
export const ERROR_MESSAGE_MAX_CHARS = 1000;

/** `message`, or its start and how much was left out when it is longer than ERROR_MESSAGE_MAX_CHARS. */
export function shortMessage(message: string): string {
  if (message.length <= ERROR_MESSAGE_MAX_CHARS) return message;
  const keep = 200;
  return `${message.slice(0, keep)}… (${message.length - keep} more characters left out)`;
}

export function errorReport(message: string, exitCode: ExitCode, file?: string, line?: number): ErrorReport {
  const r: ErrorReport = { error: shortMessage(message), exitCode };
  if (file !== undefined) r.file = file;
  if (line !== undefined && line > 0) r.line = line;
  return r;
}

/** Where a command's lines go: the process's stdout and stderr, or a buffer (a file checked on a thread). */
export interface OutputSink {
  write(stream: 'out' | 'err', text: string): void;
}

export const processOutput: OutputSink = {
  write(stream, text) {
    (stream === 'out' ? process.stdout : process.stderr).write(text);
  },
};

/** Lines kept in order, to be written later (`replay`). */
export class BufferedOutput implements OutputSink {
  readonly chunks: ['out' | 'err', string][] = [];
  write(stream: 'out' | 'err', text: string): void {
    this.chunks.push([stream, text]);
  }
}

export function replay(chunks: readonly ['out' | 'err', string][], to: OutputSink = processOutput): void {
  for (const [stream, text] of chunks) to.write(stream, text);
}

/** Print an error the CLI way; `prefix` is prepended to the stderr line only. */
export function printError(
  report: ErrorReport,
  json: boolean,
  prefix = 'faultline: ',
  to: OutputSink = processOutput,
): void {
  to.write('err', `${prefix}${report.error}\n`);
  if (json) to.write('out', `${JSON.stringify(report)}\n`);
}

/** What a file nested too deeply for the code reading or checking it gets said of it. */
export const TOO_DEEP = 'nested too deeply to follow (the JavaScript stack ran out)';

/** A JavaScript stack overflow: input nested deeper than some code could follow. */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack size exceeded/i.test(err.message);
}

/**
 * Any thrown error as a report: a UserError as it is, a filesystem failure
 * as `PATH: problem` (exit 254: input or output the user can fix), anything
 * else undefined (an internal error: 255 with its stack).
 */
export function reportOf(err: unknown): ErrorReport | undefined {
  if (err instanceof UserError) return errorReport(err.message, err.exitCode, err.file, err.line);
  if (err instanceof PluginError) return errorReport(err.message, EXIT.badArguments);
  const f = fsFailure(err);
  if (f) return errorReport(f.path ? `${f.path}: ${f.problem}` : f.problem, EXIT.badArguments, f.path);
  if (isStackOverflow(err)) return errorReport(`input ${TOO_DEEP}`, EXIT.badArguments);
  return undefined;
}
