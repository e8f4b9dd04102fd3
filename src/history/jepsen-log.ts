import { EdnSyntaxError, parseEdn } from './edn.js';
import { HistoryParseError } from './errors.js';
import { forEachLine } from './lines.js';
import { type History, isOpType, type Op } from './op.js';

/**
 * Jepsen's console log, one event per line:
 *
 *     INFO  jepsen.util - 3	:invoke	:cas	[3 0]
 *
 * process, type, f, then the value as EDN (`:timed-out` on indeterminate
 * completions). Lines that are not op events (other loggers, blank lines)
 * are skipped. The log has no times: `time` is the op's position.
 */
const PREFIX = 'jepsen.util - ';
const OP_LINE = /^(\d+|:nemesis)\s+:(invoke|ok|fail|info)\s+(\S+)\s*(.*)$/;

export function parseJepsenLog(text: string, source: string): History {
  const ops: Op[] = [];
  const lines: number[] = [];
  forEachLine(text, (rawLine, lineNo) => {
    let line = rawLine;
    const at = line.indexOf(PREFIX);
    if (at !== -1) line = line.slice(at + PREFIX.length);
    else if (!/^\s*(\d+|:nemesis)\s+:(invoke|ok|fail|info)\b/.test(line)) return;
    const m = OP_LINE.exec(line.trimEnd());
    if (!m) throw new HistoryParseError(source, lineNo, `not a Jepsen op event: '${line.trim()}'`);
    const [, processText, type, fText, valueText] = m;
    if (!isOpType(type)) throw new HistoryParseError(source, lineNo, `unknown op type ':${type}'`);
    let value: unknown = null;
    if (valueText !== '') {
      try {
        value = parseEdn(valueText);
      } catch (err) {
        const why = err instanceof EdnSyntaxError ? err.problem : String(err);
        throw new HistoryParseError(source, lineNo, `bad EDN value '${valueText}': ${why}`);
      }
    }
    const process = processText === ':nemesis' ? 'nemesis' : Number(processText);
    const f = fText.startsWith(':') ? fText.slice(1) : fText;
    const index = ops.length;
    ops.push({ index, time: index, type, process, f, value });
    lines.push(lineNo);
  });
  return { source, format: 'jepsen-log', ops, lines };
}

/** True when the text looks like a Jepsen console log rather than EDN or JSONL. */
export function looksLikeJepsenLog(firstLines: string): boolean {
  return firstLines.includes(PREFIX) || /^\s*(\d+|:nemesis)\s+:(invoke|ok|fail|info)\s/m.test(firstLines);
}
