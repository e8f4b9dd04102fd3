import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterDescription, Requirement } from './types.js';

/** Where a requirement's binary is, or undefined. `*` in a path matches one directory (newest version first). */
export function findBinary(req: Requirement): string | undefined {
  for (const pattern of req.binaries) {
    const found = expand(pattern);
    if (found !== undefined) return found;
  }
  return undefined;
}

function expand(pattern: string): string | undefined {
  if (!pattern.includes('*')) return existsSync(pattern) ? pattern : undefined;
  const star = pattern.indexOf('*');
  const dir = pattern.slice(0, pattern.lastIndexOf('/', star));
  const rest = pattern.slice(pattern.indexOf('/', star));
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return undefined;
  }
  const sorted = entries.sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  for (const e of sorted) {
    const found = expand(join(dir, e) + rest);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface RequirementStatus {
  package: string;
  /** The binaries' base names, as in `faultline systems`. */
  binaries: string[];
  /** Where it was found; undefined: not installed. */
  found: Record<string, string | undefined>;
  installed: boolean;
}

/** Each requirement and whether it is installed. */
export function checkRequirements(adapter: AdapterDescription): RequirementStatus[] {
  const byPackage = new Map<string, RequirementStatus>();
  for (const req of adapter.requires) {
    const name = req.binaries[0].split('/').pop()!;
    let s = byPackage.get(req.package);
    if (!s) {
      s = { package: req.package, binaries: [], found: {}, installed: true };
      byPackage.set(req.package, s);
    }
    const path = findBinary(req);
    s.binaries.push(name);
    s.found[name] = path;
    if (path === undefined) s.installed = false;
  }
  return [...byPackage.values()];
}

/** The missing packages as one sentence for the user, or undefined when all are installed. */
export function missingPackagesMessage(adapter: AdapterDescription): string | undefined {
  const missing = checkRequirements(adapter).filter((s) => !s.installed);
  if (missing.length === 0) return undefined;
  const what = missing
    .map((m) => `${m.package} (${m.binaries.filter((b) => m.found[b] === undefined).join(', ')} not found)`)
    .join(', ');
  return `${adapter.name} needs the Debian package${missing.length > 1 ? 's' : ''} ${what}; install with: apt-get install -y ${missing.map((m) => m.package).join(' ')}`;
}
