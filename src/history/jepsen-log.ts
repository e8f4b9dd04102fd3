import { EdnReader, EdnSyntaxError, excerpt, parseEdn } from './edn.js';
import { HistoryParseError } from './errors.js';
import { forEachLine } from './lines.js';
import { type History, isOpType, type Op, type OpType } from './op.js';
import { Keyword, nameOf, type Value } from './values.js';

/**
 * Jepsen's console log (`jepsen.log`, the console) and its printed history
 * (`history.txt`). An op event is `jepsen.util/op->str`: process, type, f,
 * value, and an optional error, separated by tabs:
 *
 *     0	:invoke	:read	nil
 *     3	:fail	:cas	[3 0]	:conn-closed
 *
 * It appears bare (history.txt), or as the message of the `jepsen.util`
 * logger in every layout Jepsen has used:
 *
 *     INFO  jepsen.util - 3	:invoke	:cas	[3 0]                                   (log4j, 2014-2016)
 *     2024-01-08 12:34:56,789{GMT}	INFO	[jepsen worker 0] jepsen.util: 0	:invoke	:read	nil   (logback)
 *     INFO [2024-01-08 12:34:56,789] jepsen worker 0 - jepsen.util 0	:invoke	:read	nil    (unilog's default)
 *
 * Other lines (other loggers, stack traces, blank lines) are not ops and are
 * skipped; a line that looks like an op event but cannot be read is an error.
 * The log's order is the history's order; `time` is the op's position.
 */
const LOGGER = 'jepsen.util';
/** After the logger name: `: `, ` - ` or a space, then the message. */
const AFTER_LOGGER = /^(?::\s|\s+-\s|\s+)/;
/** The start of an op event: a process, then a type keyword. */
const EVENT_START = /^(-?\d+|:?nemesis|nil)\s+:(\w+)(?:\s|$)/;
/** A bare op event (history.txt) at the start of a line. */
const BARE_EVENT = /^(\d+|:nemesis)\t:(invoke|ok|fail|info)(\t|$)/;

/** The op-event message of a log line, or undefined when the line is not one. */
function eventText(line: string): string | undefined {
  const at = line.indexOf(LOGGER);
  if (at !== -1) {
    const before = line.charCodeAt(at - 1);
    // `jepsen.util` as the logger name, not inside some other word.
    if (at === 0 || before === 32 || before === 9 || before === 93 /* ] */) {
      const rest = line.slice(at + LOGGER.length);
      const m = AFTER_LOGGER.exec(rest);
      if (m) {
        const msg = rest.slice(m[0].length);
        if (EVENT_START.test(msg)) return msg;
      }
    }
  }
  if (BARE_EVENT.test(line)) return line;
  return undefined;
}

export function parseJepsenLog(text: string, source: string): History {
  const ops: Op[] = [];
  const lines: number[] = [];
  forEachLine(text, (line, lineNo) => {
    const msg = eventText(line);
    if (msg === undefined) return;
    const op = readEvent(msg.replace(/\r$/, ''), ops.length);
    if (typeof op === 'string') throw new HistoryParseError(source, lineNo, op);
    ops.push(op);
    lines.push(lineNo);
  });
  return { source, format: 'jepsen-log', ops, lines };
}

function readEvent(msg: string, index: number): Op | string {
  const m = EVENT_START.exec(msg)!;
  const [head, processText, typeText] = m;
  if (!isOpType(typeText))
    return `op event with type :${excerpt(typeText)}; expected :invoke, :ok, :fail or :info ('${excerpt(msg)}')`;
  const type: OpType = typeText;
  let process: number | 'nemesis';
  if (processText === 'nil') return `op event without a process ('${excerpt(msg)}')`;
  if (processText.endsWith('nemesis')) process = 'nemesis';
  else {
    process = Number(processText);
    if (!Number.isSafeInteger(process))
      return `process ${excerpt(processText)} is not an integer we can hold`;
  }
  const rest = msg.slice(head.length);
  const reader = new EdnReader(rest);
  let f: string | undefined;
  let value: Value = null;
  let error: Value | undefined;
  try {
    if (!reader.hasNext()) return `op event has no f ('${excerpt(msg)}')`;
    const fValue = reader.next();
    if (fValue !== null) {
      f = nameOf(fValue);
      if (f === undefined) return `op event's f must be a keyword; found '${excerpt(String(fValue))}'`;
    }
    if (reader.hasNext()) value = reader.next();
    const errorText = reader.rest().trim();
    // The error is printed with `str`, not as EDN: keep it as EDN when it reads as one form, else as text.
    if (errorText !== '') {
      try {
        error = parseEdn(errorText);
      } catch {
        error = errorText;
      }
    }
  } catch (err) {
    if (err instanceof EdnSyntaxError) return `bad EDN in op event ('${excerpt(msg)}'): ${err.problem}`;
    throw err;
  }
  const op: Op = { index, time: index, type, process, f, value };
  if (f === undefined) delete op.f;
  else if (f === 'txn' && Array.isArray(value)) {
    for (const mop of value) if (Array.isArray(mop) && mop[0] instanceof Keyword) mop[0] = mop[0].name;
  }
  if (error !== undefined) op.error = error;
  return op;
}

/** True when the text's first lines hold an op event of a Jepsen console log or printed history. */
export function looksLikeJepsenLog(firstLines: string): boolean {
  let found = false;
  forEachLine(firstLines, (line) => {
    if (!found && eventText(line) !== undefined) found = true;
  });
  return found;
}

/** True when a line is a log line (timestamp and level, or a level then a logger), with or without an op. */
export function looksLikeLogLine(line: string): boolean {
  return (
    /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[,.]\d+\S*\s+(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s/.test(line) ||
    /^(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\s+(\[[^\]]*\]\s+)?\S+/.test(line)
  );
}
