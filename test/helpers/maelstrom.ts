import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Pids of every node process a run directory's logs name (`*** process started: … (pid N)`). */
export function nodePids(dir: string): number[] {
  const pids: number[] = [];
  for (const f of readdirSync(dir).filter((x) => /^n\d+\.log$/.test(x)))
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\*\*\* process started: .* \(pid (\d+)\)/g))
      pids.push(Number(m[1]));
  return pids;
}

/** The process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILL every node process a run directory names that is still alive (a failed test's leftovers). */
export function killNodes(dir: string): void {
  for (const pid of nodePids(dir).filter(alive))
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
}
