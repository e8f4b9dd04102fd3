import { EdnReader, type EdnRecord, EdnSyntaxError, isKeywordable, writeEdn, writeEdnString } from './edn.js';
import { HistoryParseError } from './errors.js';
import { orderByIndex } from './jsonl.js';
import { hasOwnIndex, toOp } from './normalize.js';
import { CORE_FIELDS, type History, type Op } from './op.js';
import { EdnList, Keyword } from './values.js';

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
      // One flat op map per line (Jepsen's history.edn, Porcupine's kv files) is read by regular
      // expressions; the reader takes the other lines, form by form, until a form ends its line.
      let pos = 0;
      let line = 1;
      for (;;) {
        ({ pos, line } = readFlatLines(text, pos, line, (raw, at) => {
          if (allIndexed && !hasOwnIndex(raw)) allIndexed = false;
          const op = toOp(raw, ops.length);
          if (typeof op === 'string') throw new HistoryParseError(source, at, op);
          ops.push(op);
          lines.push(at);
        }));
        if (pos >= text.length) break;
        reader.seek(pos, line);
        let more = true;
        for (;;) {
          if (!reader.hasNext()) {
            more = false;
            break;
          }
          take(reader.nextLine);
          const after = reader.position;
          const eol = text.indexOf('\n', after);
          if (eol === -1 || !onlySeparators(text, after, eol)) continue;
          pos = eol + 1;
          line = reader.line + 1;
          break;
        }
        if (!more) break;
      }
    }
  } catch (err) {
    if (err instanceof EdnSyntaxError)
      throw new HistoryParseError(source, err.line, `bad EDN: ${err.problem}`);
    throw err;
  }
  return orderByIndex({ source, format: 'edn', ops, lines }, allIndexed);
}

const NAME = '[A-Za-z_*!?<>=][\\w.*+!?<>=-]*';
/**
 * One field of a flat op map at lastIndex: a keyword key and a nil, boolean,
 * keyword, integer of at most 15 digits or string without escapes, followed by
 * a separator or the closing brace: what the reader reads the same.
 */
const FLAT_FIELD = new RegExp(
  `[ ,\\t]*:(${NAME})[ ,\\t]+(?:(nil|true|false)|:(${NAME})|(-?(?:0|[1-9][0-9]{0,14}))|"([^"\\\\\\n]*)")(?=[ ,\\t}])`,
  'y',
);
/** The end of a flat op map's line: the brace, then nothing but separators up to the newline. */
const FLAT_END = /[ ,\t]*\}[ ,\t\r]*(?:\n|$)/y;
/** A line of nothing but separators (the reader skips it). */
const BLANK = /[ ,\t\r]*(?:\n|$)/y;

const FLAT_VALUE = `[ ,\\t]+(?:(nil|true|false)|:(${NAME})|(-?(?:0|[1-9][0-9]{0,14}))|"([^"\\\\\\n]*)")(?=[ ,\\t}])`;

/** A flat field's value from its four groups at g (FLAT_FIELD's 2–5): nil, a boolean, a keyword, an integer, a string. */
function flatValue(m: RegExpExecArray, g: number): EdnRecord[string] {
  const word = m[g];
  if (word !== undefined) return word === 'nil' ? null : word === 'true';
  if (m[g + 1] !== undefined) return Keyword.of(m[g + 1]);
  if (m[g + 2] !== undefined) return Number(m[g + 2]);
  return m[g + 3];
}

/** The fields of a flat map in their order, and one expression for a map of just those, in that order (at its brace). */
function flatShape(raw: EdnRecord): { keys: string[]; re: RegExp } {
  const keys = Object.keys(raw);
  const fields = keys
    .map((k) => `[ ,\\t]*:${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${FLAT_VALUE}`)
    .join('');
  return { keys, re: new RegExp(`\\{${fields}`, 'y') };
}

function sameKeys(keys: readonly string[], raw: EdnRecord): boolean {
  let i = 0;
  for (const k in raw) if (keys[i++] !== k) return false;
  return i === keys.length;
}

/** Spaces, commas and tabs (a return) from `from` to `to`. */
function onlySeparators(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 44 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * Read the lines of `text` from `pos` (a line start, line `line`) that are
 * each one flat op map, handing each to `take` with its line; stops at the
 * first line that is anything else (blank lines are skipped) and answers
 * where that line starts, and its number (pos text.length: the end).
 */
function readFlatLines(
  text: string,
  pos: number,
  line: number,
  take: (raw: EdnRecord, line: number) => void,
): { pos: number; line: number } {
  const field = FLAT_FIELD;
  let shape: { keys: string[]; re: RegExp } | undefined;
  let start = pos;
  let at = line;
  while (start < text.length) {
    BLANK.lastIndex = start;
    if (BLANK.test(text)) {
      start = BLANK.lastIndex;
      at++;
      continue;
    }
    let i = start;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    if (text.charCodeAt(i) !== 123 /* { */) break;
    const raw: EdnRecord = {};
    let end = i + 1;
    let ok = true;
    // A line with the fields of the one before, in its order: one match for the whole map.
    if (shape !== undefined) {
      shape.re.lastIndex = i;
      const m = shape.re.exec(text);
      if (m !== null) {
        const keys = shape.keys;
        for (let k = 0, g = 1; k < keys.length; k++, g += 4) raw[keys[k]] = flatValue(m, g);
        end = shape.re.lastIndex;
        field.lastIndex = end;
      } else field.lastIndex = i + 1;
    } else field.lastIndex = i + 1;
    for (;;) {
      const m = field.exec(text);
      if (m === null) break;
      end = field.lastIndex;
      const name = m[1];
      if (name === '__proto__' || Object.hasOwn(raw, name)) {
        ok = false;
        break;
      }
      raw[name] = flatValue(m, 2);
    }
    if (!ok) break;
    FLAT_END.lastIndex = end;
    if (!FLAT_END.test(text)) break;
    if (shape === undefined || !sameKeys(shape.keys, raw)) shape = flatShape(raw);
    take(raw, at);
    start = FLAT_END.lastIndex;
    at++;
  }
  return { pos: start, line: at };
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
