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
/** The start of an op event: a process, then a type keyword. */
const EVENT_START = /^(-?\d+|:?nemesis|nil)\s+:(\w+)(?:\s|$)/;
/** A bare op event (history.txt) at the start of a line. */
const BARE_EVENT = /^(\d+|:nemesis)\t:(invoke|ok|fail|info)(\t|$)/;

/** The op-event message of a log line (with its start matched), or undefined when the line is not one. */
function eventOf(line: string): { msg: string; start: RegExpExecArray } | undefined {
  const at = line.indexOf(LOGGER);
  if (at !== -1) {
    const before = line.charCodeAt(at - 1);
    // `jepsen.util` as the logger name, not inside some other word.
    if (at === 0 || before === 32 || before === 9 || before === 93 /* ] */) {
      // After the logger name: `: `, ` - ` or spaces, then the message.
      let p = at + LOGGER.length;
      const c = line.charCodeAt(p);
      if (c === 58 /* : */ && (line.charCodeAt(p + 1) === 32 || line.charCodeAt(p + 1) === 9)) p += 2;
      else if (c === 32 || c === 9) {
        while (line.charCodeAt(p) === 32 || line.charCodeAt(p) === 9) p++;
        if (
          line.charCodeAt(p) === 45 /* - */ &&
          (line.charCodeAt(p + 1) === 32 || line.charCodeAt(p + 1) === 9)
        )
          p += 2;
      } else p = -1;
      if (p > 0) {
        while (line.charCodeAt(p) === 32 || line.charCodeAt(p) === 9) p++;
        const msg = line.slice(p);
        const start = EVENT_START.exec(msg);
        if (start) return { msg, start };
      }
    }
  }
  if (BARE_EVENT.test(line)) return { msg: line, start: EVENT_START.exec(line)! };
  return undefined;
}

export function parseJepsenLog(text: string, source: string): History {
  const ops: Op[] = [];
  const lines: number[] = [];
  forEachLine(text, (raw, lineNo) => {
    const line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    const ev = eventOf(line);
    if (ev === undefined) return;
    const op = readEvent(ev.msg, ev.start, ops.length);
    if (typeof op === 'string') throw new HistoryParseError(source, lineNo, op);
    ops.push(op);
    lines.push(lineNo);
  });
  return { source, format: 'jepsen-log', ops, lines };
}

function readEvent(msg: string, m: RegExpExecArray, index: number): Op | string {
  const head = m[0];
  const processText = m[1];
  const typeText = m[2];
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
  let f: string | undefined;
  let value: Value = null;
  let error: Value | undefined;
  // Jepsen separates the fields with tabs, and pr-str never prints a raw tab: split on them.
  const tab1 = rest.indexOf('\t');
  const fast = tab1 > 1 && rest.charCodeAt(0) === 58 /* : */ ? rest.slice(1, tab1) : '';
  if (fast !== '' && FAST_NAME.test(fast)) {
    f = fast;
    const tab2 = rest.indexOf('\t', tab1 + 1);
    const valueText = tab2 === -1 ? rest.slice(tab1 + 1) : rest.slice(tab1 + 1, tab2);
    const errorText = tab2 === -1 ? '' : rest.slice(tab2 + 1).trim();
    try {
      value =
        valueText === 'nil' ? null : SMALL_INT.test(valueText) ? Number(valueText) : parseEdn(valueText);
    } catch (err) {
      if (err instanceof EdnSyntaxError) return `bad EDN in op event ('${excerpt(msg)}'): ${err.problem}`;
      throw err;
    }
    if (errorText !== '') error = readError(errorText);
    return finishEvent(index, type, process, f, value, error);
  }
  const reader = new EdnReader(rest);
  try {
    if (!reader.hasNext()) return `op event has no f ('${excerpt(msg)}')`;
    const fValue = reader.next();
    if (fValue !== null) {
      f = nameOf(fValue);
      if (f === undefined) return `op event's f must be a keyword; found '${excerpt(String(fValue))}'`;
    }
    if (reader.hasNext()) value = reader.next();
    const errorText = reader.rest().trim();
    if (errorText !== '') error = readError(errorText);
  } catch (err) {
    if (err instanceof EdnSyntaxError) return `bad EDN in op event ('${excerpt(msg)}'): ${err.problem}`;
    throw err;
  }
  return finishEvent(index, type, process, f, value, error);
}

const FAST_NAME = /^[A-Za-z*+!_?<>=.-][A-Za-z0-9*+!_?<>=.:/#-]*$/;
const SMALL_INT = /^-?\d{1,15}$/;

/** The error column is printed with `str`, not as EDN: kept as EDN when it reads as one form, else as text. */
function readError(text: string): Value {
  try {
    return parseEdn(text);
  } catch {
    return text;
  }
}

function finishEvent(
  index: number,
  type: OpType,
  process: number | 'nemesis',
  f: string | undefined,
  value: Value,
  error: Value | undefined,
): Op {
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
    if (!found && eventOf(line) !== undefined) found = true;
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
