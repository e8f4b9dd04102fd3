/**
 * What a store holds, for `faultline serve`: every run directory (one with a
 * history.jsonl) with its test, time, verdict, op count and seed, and every
 * search (a `search-*` directory with a summary.json, as `faultline search`
 * writes it) with the runs under it. Read only.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface RunEntry {
  /** Path under the store, with `/` separators. */
  path: string;
  test: string;
  startedAt: string | null;
  valid: true | false | 'unknown' | null;
  /** Events in the history, when results.json says; else null. */
  ops: number | null;
  seed: number | null;
  system: string | null;
  workload: string | null;
  nemesis: string | null;
  checker: string | null;
  crashed: boolean;
  hasReport: boolean;
  /** The search it belongs to (its path), if any. */
  search: string | null;
  /** `seed-12-shrunk`: the shrunk scenario of a search's failure. */
  shrunk: boolean;
}

export interface SearchEntry {
  path: string;
  startedAt: string | null;
  summary: Record<string, unknown> | null;
  runs: RunEntry[];
}

export interface StoreIndex {
  runs: RunEntry[];
  searches: SearchEntry[];
}

/** How deep run directories may sit (store/<test>/<time>, store/search-…/seed-N, one level to spare). */
const MAX_DEPTH = 4;

interface Cached {
  mtimeMs: number;
  entry: RunEntry;
}

const cache = new Map<string, Cached>();

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

function runEntry(store: string, dir: string, search: string | null): RunEntry {
  const key = `${dir}\0${search}`;
  const stamp = Math.max(
    mtime(join(dir, 'results.json')),
    mtime(join(dir, 'test.json')),
    mtime(join(dir, 'report.html')),
  );
  const hit = cache.get(key);
  if (hit && hit.mtimeMs === stamp) return hit.entry;
  const test = readJson(join(dir, 'test.json'));
  const results = readJson(join(dir, 'results.json'));
  const config = (test?.config ?? {}) as Record<string, unknown>;
  const summary = (results?.summary ?? {}) as Record<string, unknown>;
  const v = results?.valid;
  const bugs = Array.isArray(config.bugs) && config.bugs.length > 0 ? `+${config.bugs.join('+')}` : '';
  const path = toPosix(relative(store, dir));
  const entry: RunEntry = {
    path,
    test: typeof test?.name === 'string' ? test.name : path,
    startedAt: typeof test?.startedAt === 'string' ? test.startedAt : null,
    valid: v === true || v === false || v === 'unknown' ? v : null,
    ops: typeof summary.opCount === 'number' ? summary.opCount : null,
    seed: typeof config.seed === 'number' ? config.seed : null,
    system: typeof config.system === 'string' ? `${config.system}${bugs}` : null,
    workload: typeof config.workload === 'string' ? config.workload : null,
    nemesis: Array.isArray(config.nemesis) ? config.nemesis.join(',') || 'none' : null,
    checker: typeof results?.checker === 'string' ? results.checker : null,
    crashed: results?.crashed === true,
    hasReport: existsSync(join(dir, 'report.html')),
    search,
    shrunk: /-shrunk$/.test(dir),
  };
  cache.set(key, { mtimeMs: stamp, entry });
  return entry;
}

/** Every run and search under `store` (symbolic links such as `latest` are not followed: no run twice). */
export function indexStore(store: string): StoreIndex {
  const runs: RunEntry[] = [];
  const searches: SearchEntry[] = [];
  const walk = (dir: string, depth: number, search: SearchEntry | null) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = join(dir, name);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (!st.isDirectory()) continue; // links (latest) and files
      if (existsSync(join(p, 'history.jsonl'))) {
        const r = runEntry(store, p, search?.path ?? null);
        runs.push(r);
        search?.runs.push(r);
        continue;
      }
      if (depth >= MAX_DEPTH) continue;
      if (search === null && name.startsWith('search-')) {
        const summary = readJson(join(p, 'summary.json')) ?? null;
        const s: SearchEntry = {
          path: toPosix(relative(store, p)),
          startedAt: typeof summary?.startedAt === 'string' ? summary.startedAt : null,
          summary,
          runs: [],
        };
        searches.push(s);
        walk(p, depth + 1, s);
        continue;
      }
      walk(p, depth + 1, search);
    }
  };
  walk(store, 1, null);
  const newest = (a: { startedAt: string | null }, b: { startedAt: string | null }) =>
    (b.startedAt ?? '').localeCompare(a.startedAt ?? '');
  runs.sort(newest);
  searches.sort(newest);
  return { runs, searches };
}
