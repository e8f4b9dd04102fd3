import { EdnReader, EdnSyntaxError, writeEdn, writeEdnString } from './edn.js';
import { HistoryParseError } from './errors.js';
import { toOp } from './normalize.js';
import { CORE_FIELDS, type History, type Op } from './op.js';

/**
 * Parse a Jepsen EDN history: either one vector of op maps, or a sequence of
 * op maps (Jepsen's `history.edn`, one per line).
 */
export function parseEdnHistory(text: string, source: string): History {
  const reader = new EdnReader(text);
  const ops: Op[] = [];
  const lines: number[] = [];
  const take = (line: number) => {
    const raw = reader.next();
    const op = toOp(raw, ops.length);
    if (typeof op === 'string') throw new HistoryParseError(source, line, op);
    ops.push(op);
    lines.push(line);
  };
  try {
    if (reader.peek() === 91 /* [ */) {
      const openLine = reader.nextLine;
      reader.consume();
      for (;;) {
        if (!reader.hasNext())
          throw new EdnSyntaxError(
            reader.line,
            `unterminated vector opened on line ${openLine}: expected ']'`,
          );
        if (reader.peek() === 93 /* ] */) {
          reader.consume();
          break;
        }
        take(reader.nextLine);
      }
      if (reader.hasNext())
        throw new EdnSyntaxError(reader.nextLine, 'unexpected content after the history vector');
    } else {
      while (reader.hasNext()) take(reader.nextLine);
    }
  } catch (err) {
    if (err instanceof EdnSyntaxError)
      throw new HistoryParseError(source, err.line, `bad EDN: ${err.problem}`);
    throw err;
  }
  return { source, format: 'edn', ops, lines };
}

/**
 * One op as a Jepsen EDN map: `type`, `f` and a `nemesis` process as
 * keywords, like Jepsen writes them; inside a `txn` value the micro-op
 * functions (`:append`, `:r`, `:w`) too. Reading it back gives the same op.
 */
export function formatOpEdn(op: Op): string {
  const parts: string[] = [];
  for (const k of CORE_FIELDS) {
    const v = op[k];
    let text: string;
    if (k === 'type' || k === 'f') text = keywordOrString(v as string);
    else if (k === 'process') text = v === 'nemesis' ? ':nemesis' : writeEdn(v);
    else if (k === 'value' && op.f === 'txn' && Array.isArray(v)) text = writeTxn(v);
    else text = writeEdn(v);
    parts.push(`:${k} ${text}`);
  }
  for (const k in op) {
    if ((CORE_FIELDS as readonly string[]).includes(k) || op[k] === undefined) continue;
    parts.push(`${/^[A-Za-z][A-Za-z0-9_?!*+.-]*$/.test(k) ? `:${k}` : writeEdnString(k)} ${writeEdn(op[k])}`);
  }
  return `{${parts.join(', ')}}`;
}

function keywordOrString(s: string): string {
  return /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.-]*$/.test(s) && s !== 'nil' && s !== 'true' && s !== 'false'
    ? `:${s}`
    : writeEdnString(s);
}

function writeTxn(txn: unknown[]): string {
  return `[${txn
    .map((mop) =>
      Array.isArray(mop) && typeof mop[0] === 'string'
        ? `[${[keywordOrString(mop[0]), ...mop.slice(1).map(writeEdn)].join(' ')}]`
        : writeEdn(mop),
    )
    .join(' ')}]`;
}
