import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { parseEdnHistory } from './edn-history.js';
import { HistoryParseError } from './errors.js';
import { looksLikeJepsenLog, looksLikeLogLine, parseJepsenLog } from './jepsen-log.js';
import { JsonlReader, parseJsonl } from './jsonl.js';
import type { History, HistoryFormat } from './op.js';

export interface ReadOptions {
  /** Force a format instead of detecting it from the content. */
  format?: HistoryFormat;
}

/** Decide the format from the content's first 4096 characters; undefined when none fits. */
export function detectFormat(text: string): HistoryFormat | undefined {
  const head = text.slice(0, 4096);
  if (looksLikeJepsenLog(head)) return 'jepsen-log';
  const m = /\S/.exec(head);
  if (!m) return 'jsonl'; // empty: any format reads it as no ops
  const rest = head.slice(m.index);
  if (/^\{\s*"/.test(rest)) return 'jsonl';
  const c = rest[0];
  if (c === '{' || c === '[' || c === '(' || c === '#' || c === ';') return 'edn';
  // A Jepsen log whose first 4 KiB hold no op event yet (start-up lines).
  const firstLine = rest.slice(0, rest.indexOf('\n') === -1 ? rest.length : rest.indexOf('\n'));
  if (looksLikeLogLine(firstLine)) return 'jepsen-log';
  return undefined;
}

/** Parse a history from text, detecting its format unless one is given. */
export function parseHistory(text: string, source: string, opts: ReadOptions = {}): History {
  const format = opts.format ?? detectFormat(text);
  if (format === undefined) {
    const firstLine = text.slice(0, text.search(/\S/)).split('\n').length;
    throw new HistoryParseError(
      source,
      firstLine,
      'cannot tell the format (expected JSONL op maps, Jepsen EDN or a Jepsen console log); use --format',
    );
  }
  let h: History;
  switch (format) {
    case 'jsonl':
      h = parseJsonl(text, source);
      break;
    case 'edn':
      h = parseEdnHistory(text, source);
      break;
    case 'jepsen-log':
      h = parseJepsenLog(text, source);
      break;
  }
  if (h.ops.length === 0 && /\S/.test(text)) {
    if (opts.format !== undefined) throw nothingRead(source, format);
    if (format === 'jepsen-log') throw nothingRead(source, format);
  }
  return h;
}

function nothingRead(source: string, format: HistoryFormat): HistoryParseError {
  return new HistoryParseError(
    source,
    0,
    `read no operations as ${format}${format === 'jepsen-log' ? ' (no line is a jepsen.util op event)' : ''}; is this the right format?`,
  );
}

/** Read and parse a history file. Unreadable files throw a HistoryParseError at line 0. */
export async function readHistoryFile(path: string, opts: ReadOptions = {}): Promise<History> {
  return readHistoryFileSync(path, opts);
}

/** Bytes read at a time when a JSONL file is parsed as it is read. */
const CHUNK_BYTES = 64 * 1024;

/**
 * The longest line a JSONL history may hold (one operation). Without a
 * bound, input with no newline at all (`/dev/zero`, a binary stream) would
 * be buffered until memory runs out.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** The most an EDN or console-log file can hold: it is decoded as one string, and V8 caps a string's length. */
const MAX_WHOLE_BYTES = bufferConstants.MAX_STRING_LENGTH;

/**
 * Read and parse a history file. JSONL (named by `format` or detected) is
 * parsed a piece of whole lines at a time as it is read, so the file never
 * becomes one string: no 512 MiB string limit, and no copy of the text
 * beside the ops. Other formats are read whole. Bytes that are not UTF-8
 * are refused with the line they are on, never replaced.
 */
export function readHistoryFileSync(path: string, opts: ReadOptions = {}): History {
  if (opts.format !== undefined && opts.format !== 'jsonl') return parseHistory(readWhole(path), path, opts);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw cannotRead(path, err);
  }
  try {
    return readStreaming(fd, path, opts);
  } finally {
    closeSync(fd);
  }
}

/**
 * The read buffer, kept between files (a check of a hundred small files would
 * otherwise leave a hundred 64 KiB buffers to the collector). Decoded text never
 * points into it.
 */
let spareBuffer: Buffer | undefined;

function readStreaming(fd: number, path: string, opts: ReadOptions): History {
  const own = spareBuffer ?? Buffer.allocUnsafe(CHUNK_BYTES);
  spareBuffer = undefined;
  try {
    return readStreamingInto(own, fd, path, opts);
  } finally {
    spareBuffer = own;
  }
}

function readStreamingInto(start: Buffer, fd: number, path: string, opts: ReadOptions): History {
  let buf = start;
  let have = 0; // bytes at the start of buf not parsed yet: a partial line (or, before the format is known, all)
  let reader: JsonlReader | undefined;
  let first = true;
  for (;;) {
    if (have === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, have);
      buf = bigger;
    }
    let n: number;
    try {
      n = readSync(fd, buf, have, buf.length - have, null);
    } catch (err) {
      throw cannotRead(path, err);
    }
    if (first && n > 0) {
      first = false;
      // A UTF-8 byte order mark is not content.
      if (n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf.copy(buf, 0, 3, n);
        n -= 3;
      }
    }
    if (n === 0) break;
    const end = have + n;
    const newline = buf.lastIndexOf(0x0a, end - 1);
    if (newline < 0) {
      have = end;
      if (have > MAX_LINE_BYTES) throw lineTooLong(path, (reader?.lineCount ?? 0) + 1);
      continue;
    }
    // A newline byte is never inside a UTF-8 sequence: cutting there decodes as the whole file would.
    checkUtf8(buf, 0, newline, path, reader?.lineCount ?? 0);
    const text = buf.toString('utf8', 0, newline);
    if (reader === undefined) {
      // Decide as parseHistory does, from the first 4096 characters.
      if (opts.format === undefined && text.length < 4096) {
        have = end;
        continue;
      }
      // Another format is parsed whole: read the rest after what is here (never the file again).
      if ((opts.format ?? detectFormat(text)) !== 'jsonl')
        return parseHistory(readRest(fd, buf, end, path), path, opts);
      reader = new JsonlReader(path);
    }
    reader.push(text);
    buf.copy(buf, 0, newline + 1, end);
    have = end - newline - 1;
  }
  checkUtf8(buf, 0, have, path, reader?.lineCount ?? 0);
  const rest = buf.toString('utf8', 0, have);
  // A file too short to decide from is all in `rest`.
  if (reader === undefined) return parseHistory(rest, path, opts);
  reader.push(rest);
  // Every line that is not blank is an op or an error: JSONL that read nothing was empty.
  return reader.history();
}

/** The whole text of a file whose first `have` bytes (a byte order mark dropped) are in buf: the rest read from fd. */
function readRest(fd: number, buf: Buffer, have: number, path: string): string {
  let b = buf;
  let total = have;
  for (;;) {
    if (total === b.length) {
      const bigger = Buffer.allocUnsafe(Math.min(b.length * 2, 16 * 1024 * 1024 + b.length));
      b.copy(bigger, 0, 0, total);
      b = bigger;
    }
    let n: number;
    try {
      n = readSync(fd, b, total, b.length - total, null);
    } catch (err) {
      throw cannotRead(path, err);
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_WHOLE_BYTES) throw tooBigToReadWhole(path);
  }
  checkUtf8(b, 0, total, path, 0);
  return b.toString('utf8', 0, total);
}

function tooBigToReadWhole(path: string): HistoryParseError {
  return new HistoryParseError(
    path,
    0,
    `larger than ${Math.floor(MAX_WHOLE_BYTES / 2 ** 20)} MiB: EDN and console-log histories are read whole, and that is the most one string holds (write the history as JSONL, which is read as a stream)`,
  );
}

function readWhole(path: string): string {
  const buf = readAll(path);
  let start = 0;
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  checkUtf8(buf, start, buf.length, path, 0);
  return buf.toString('utf8', start);
}

/**
 * Every byte of a file, read a chunk at a time up to MAX_WHOLE_BYTES. A
 * device or pipe has no size to trust, and `readFileSync` would buffer an
 * endless one (`/dev/zero`) until memory runs out.
 */
function readAll(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw cannotRead(path, err);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(CHUNK_BYTES, total), 16 * 1024 * 1024));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw cannotRead(path, err);
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_WHOLE_BYTES) throw tooBigToReadWhole(path);
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

function lineTooLong(path: string, line: number): HistoryParseError {
  return new HistoryParseError(
    path,
    line,
    `no newline in the first ${MAX_LINE_BYTES / 2 ** 20} MiB of the line: faultline's limit for one operation (is this a history file?)`,
  );
}

/** Refuse bytes that are not UTF-8, naming the line (lines before `from`: `linesBefore`). */
function checkUtf8(buf: Buffer, from: number, to: number, path: string, linesBefore: number): void {
  if (isUtf8(buf.subarray(from, to))) return;
  const bad = firstInvalidUtf8(buf, from, to);
  let line = linesBefore + 1;
  let lineStart = from;
  for (let i = buf.indexOf(0x0a, from); i !== -1 && i < bad; i = buf.indexOf(0x0a, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  throw new HistoryParseError(
    path,
    line,
    `not UTF-8: byte 0x${buf[bad].toString(16).padStart(2, '0')} at byte ${bad - lineStart + 1} of the line; faultline reads histories as UTF-8 and never replaces bytes (re-encode the file, e.g. with iconv)`,
  );
}

/** Offset of the first byte that does not begin or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (i + k >= to || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return to;
}

/** Unreadable files are a HistoryParseError at line 0. */
function cannotRead(path: string, err: unknown): HistoryParseError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : String(err);
  return new HistoryParseError(path, 0, `cannot read: ${why}`);
}
