import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The determinism contract (DESIGN.md): code that runs inside a simulation
 * never reads real time or real randomness. This scans the source text,
 * comments and string literals removed, for the forbidden names.
 */
const GUARDED_DIRS = ['systems', 'src/sim', 'src/generator', 'src/nemesis', 'src/runner', 'workloads'];
/** Single files outside those folders that run inside a simulation too (Maelstrom's services are simulated actors). */
const GUARDED_FILES = ['src/maelstrom/services.ts', 'src/maelstrom/stats.ts'];
/** Adapters talk to real processes in real time; they are allowed wall clocks. */
const EXEMPT_DIRS = ['systems/adapters'];

const FORBIDDEN: { name: string; pattern: RegExp }[] = [
  { name: 'Date', pattern: /\bDate\b/ },
  { name: 'Math.random', pattern: /\bMath\s*\.\s*random\b/ },
  { name: 'performance', pattern: /\bperformance\b/ },
  { name: 'setTimeout', pattern: /\bsetTimeout\b/ },
  { name: 'setInterval', pattern: /\bsetInterval\b/ },
  { name: 'setImmediate', pattern: /\bsetImmediate\b/ },
  { name: 'process.hrtime', pattern: /\bhrtime\b/ },
  { name: 'crypto', pattern: /\bcrypto\b|\brandomUUID\b|\bgetRandomValues\b|\brandomBytes\b|\brandomInt\b/ },
];

/** Remove comments and the contents of string literals, keeping line structure. */
function stripCommentsAndStrings(src: string): string {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === '/' && d === '/') {
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '/' && d === '*') {
      i += 2;
      while (i < n && !(src[i] === '*' && src[i + 1] === '/')) {
        if (src[i] === '\n') out += '\n';
        i++;
      }
      i += 2;
    } else if (c === "'" || c === '"') {
      i++;
      while (i < n && src[i] !== c && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
      i++;
      out += '""';
    } else if (c === '`') {
      // Template literal: drop the text, keep ${…} expressions (they are code).
      i++;
      out += '`';
      while (i < n && src[i] !== '`') {
        if (src[i] === '\\') i += 2;
        else if (src[i] === '$' && src[i + 1] === '{') {
          let depth = 1;
          i += 2;
          out += '${';
          while (i < n && depth > 0) {
            if (src[i] === '{') depth++;
            else if (src[i] === '}') depth--;
            if (depth > 0) out += src[i];
            i++;
          }
          out += '}';
        } else {
          if (src[i] === '\n') out += '\n';
          i++;
        }
      }
      i++;
      out += '`';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    const rel = relative(REPO_ROOT, p);
    if (EXEMPT_DIRS.some((x) => rel === x || rel.startsWith(`${x}/`))) continue;
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|js|mts|mjs)$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function findViolations(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const f of files) {
    const lines = stripCommentsAndStrings(readFileSync(f, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      for (const { name, pattern } of FORBIDDEN) {
        if (pattern.test(line))
          problems.push(`${relative(REPO_ROOT, f)}:${i + 1}: uses ${name}: ${line.trim()}`);
      }
    });
  }
  return problems;
}

describe('determinism guard', () => {
  it('simulated code never reads real time or real randomness', () => {
    const files = [
      ...GUARDED_DIRS.flatMap((d) => sourceFiles(join(REPO_ROOT, d))),
      ...GUARDED_FILES.map((f) => join(REPO_ROOT, f)),
    ];
    expect(files.length).toBeGreaterThan(0);
    expect(findViolations(files)).toEqual([]);
  });

  it('the scan itself catches each forbidden use and ignores comments and strings', () => {
    const code = [
      '// Date.now() in a comment is fine',
      "const s = 'Math.random in a string is fine';",
      'const t = Date.now();',
      'const r = Math.random();',
      'setTimeout(() => {}, 1);',
      'const p = performance.now();',
      "import { randomBytes } from 'node:crypto';",
      '/* setInterval */ const ok = 1;',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text of a template literal, on purpose
      'const tpl = `${Math.random()}`;',
    ].join('\n');
    const stripped = stripCommentsAndStrings(code).split('\n');
    const hits = stripped.map((l) => FORBIDDEN.filter((f) => f.pattern.test(l)).map((f) => f.name));
    expect(hits).toEqual([
      [],
      [],
      ['Date'],
      ['Math.random'],
      ['setTimeout'],
      ['performance'],
      ['crypto'],
      [],
      ['Math.random'],
    ]);
  });
});
