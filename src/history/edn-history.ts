import { EdnReader, EdnSyntaxError, isKeywordable, writeEdn, writeEdnString } from './edn.js';
import { HistoryParseError } from './errors.js';
import { orderByIndex } from './jsonl.js';
import { hasOwnIndex, toOp } from './normalize.js';
import { CORE_FIELDS, type History, type Op } from './op.js';
import { EdnList } from './values.js';

/**
 * Parse a Jepsen EDN history: one vector or list of op maps (Knossos' and
 * Elle's files), or a sequence of op maps (Jepsen's `history.edn`, one per
 * line). Op maps may be `#jepsen.history.Op{…}` records.
 */
export function parseEdnHistory(text: string, source: string): History {
  const reader = new EdnReader(text);
  reader.recordDepth = 0;
  const ops: Op[] = [];
  const lines: number[] = [];
  let allIndexed = true;
  const take = (line: number) => {
    const raw = reader.next();
    if (allIndexed && !hasOwnIndex(raw)) allIndexed = false;
    const op = toOp(raw, ops.length);
    if (typeof op === 'string') throw new HistoryParseError(source, line, op);
    ops.push(op);
    lines.push(line);
  };
  try {
    const first = reader.peek();
    if (first === 91 /* [ */ || first === 40 /* ( */) {
      const close = first === 91 ? 93 : 41;
      const what =
        first === 91 ? "vector opened on line %: expected ']'" : "list opened on line %: expected ')'";
      const openLine = reader.nextLine;
      reader.consume();
      for (;;) {
        if (!reader.hasNext())
          throw new EdnSyntaxError(reader.line, `unterminated ${what.replace('%', String(openLine))}`);
        if (reader.peek() === close) {
          reader.consume();
          break;
        }
        take(reader.nextLine);
      }
      if (reader.hasNext()) throw new EdnSyntaxError(reader.nextLine, 'unexpected content after the history');
    } else {
      while (reader.hasNext()) take(reader.nextLine);
    }
  } catch (err) {
    if (err instanceof EdnSyntaxError)
      throw new HistoryParseError(source, err.line, `bad EDN: ${err.problem}`);
    throw err;
  }
  return orderByIndex({ source, format: 'edn', ops, lines }, allIndexed);
}

/**
 * One op as a Jepsen EDN map: its names (`type`, `f`, a `nemesis` process,
 * field names, a transaction's micro-op functions) as keywords, like Jepsen
 * writes them; every value exactly as it is. Reading it back gives an equal op.
 */
export function formatOpEdn(op: Op): string {
  const parts: string[] = [];
  for (const k of CORE_FIELDS) {
    const v = op[k];
    let text: string;
    if (k === 'f' && v === undefined) continue;
    if (k === 'type' || k === 'f') text = name(v as string);
    else if (k === 'process') text = v === 'nemesis' ? ':nemesis' : writeEdn(v);
    else if (k === 'value' && (op.f === 'txn' || op.f === undefined) && Array.isArray(v)) text = writeTxn(v);
    else text = writeEdn(v);
    parts.push(`:${k} ${text}`);
  }
  for (const k of Object.keys(op)) {
    if ((CORE_FIELDS as readonly string[]).includes(k) || op[k] === undefined) continue;
    parts.push(`${name(k)} ${writeEdn(op[k])}`);
  }
  return `{${parts.join(', ')}}`;
}

/** A name as a keyword when it can be one, else as a string (which reads back as the same name). */
function name(s: string): string {
  return isKeywordable(s) ? `:${s}` : writeEdnString(s);
}

/** A transaction's micro-ops as EDN, their functions as keywords (`[[:append :x 1] [:r :x [1]]]`). */
export function writeTxn(txn: unknown[]): string {
  return `[${txn
    .map((mop) =>
      Array.isArray(mop) && typeof mop[0] === 'string'
        ? writeMop(mop, mop instanceof EdnList)
        : writeEdn(mop),
    )
    .join(' ')}]`;
}

function writeMop(mop: unknown[], list: boolean): string {
  const inner = [name(mop[0] as string), ...mop.slice(1).map((x) => writeEdn(x))].join(' ');
  return list ? `(${inner})` : `[${inner}]`;
}
