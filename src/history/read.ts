import { readFileSync } from 'node:fs';
import { parseEdnHistory } from './edn-history.js';
import { HistoryParseError } from './errors.js';
import { looksLikeJepsenLog, parseJepsenLog } from './jepsen-log.js';
import { parseJsonl } from './jsonl.js';
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

export function readHistoryFileSync(path: string, opts: ReadOptions = {}): History {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(err);
    throw new HistoryParseError(path, 0, `cannot read: ${why}`);
  }
  return parseHistory(text, path, opts);
}
