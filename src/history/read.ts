import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { parseEdnHistory } from './edn-history.js';
import { HistoryParseError } from './errors.js';
import { looksLikeJepsenLog, parseJepsenLog } from './jepsen-log.js';
import { JsonlReader, parseJsonl } from './jsonl.js';
import type { History, HistoryFormat } from './op.js';

export interface ReadOptions {
  /** Force a format instead of detecting it from the content. */
  format?: HistoryFormat;
}

/** Decide the format from the first non-blank content. */
export function detectFormat(text: string): HistoryFormat | undefined {
  const head = text.slice(0, 4096);
  if (looksLikeJepsenLog(head)) return 'jepsen-log';
  const m = /\S/.exec(head);
  if (!m) return 'jsonl'; // empty: any format reads it as no ops
  const rest = head.slice(m.index);
  if (/^\{\s*"/.test(rest)) return 'jsonl';
  if (rest[0] === '{' || rest[0] === '[' || rest[0] === '#' || rest[0] === ';') return 'edn';
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
  switch (format) {
    case 'jsonl':
      return parseJsonl(text, source);
    case 'edn':
      return parseEdnHistory(text, source);
    case 'jepsen-log':
      return parseJepsenLog(text, source);
  }
}

/** Read and parse a history file. Unreadable files throw a HistoryParseError at line 0. */
export async function readHistoryFile(path: string, opts: ReadOptions = {}): Promise<History> {
  return readHistoryFileSync(path, opts);
}

/** Bytes read at a time when a JSONL file is parsed as it is read. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Read and parse a history file. JSONL (named by `format` or detected) is
 * parsed a piece of whole lines at a time as it is read, so the file never
 * becomes one string: no 512 MiB string limit, and no copy of the text
 * beside the ops. Other formats are read whole.
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

function readStreaming(fd: number, path: string, opts: ReadOptions): History {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let have = 0; // bytes at the start of buf not parsed yet: a partial line (or, before the format is known, all)
  let reader: JsonlReader | undefined;
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
    if (n === 0) break;
    const end = have + n;
    const newline = buf.lastIndexOf(0x0a, end - 1);
    if (newline < 0) {
      have = end;
      continue;
    }
    // A newline byte is never inside a UTF-8 sequence: cutting there decodes as the whole file would.
    const text = buf.toString('utf8', 0, newline);
    if (reader === undefined) {
      // Decide as parseHistory does, from the first 4096 characters.
      if (opts.format === undefined && text.length < 4096) {
        have = end;
        continue;
      }
      if ((opts.format ?? detectFormat(text)) !== 'jsonl') return parseHistory(readWhole(path), path, opts);
      reader = new JsonlReader(path);
    }
    reader.push(text);
    buf.copy(buf, 0, newline + 1, end);
    have = end - newline - 1;
  }
  const rest = buf.toString('utf8', 0, have);
  // A file too short to decide from is all in `rest`.
  if (reader === undefined) return parseHistory(rest, path, opts);
  reader.push(rest);
  return reader.history();
}

function readWhole(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw cannotRead(path, err);
  }
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
