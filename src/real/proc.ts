import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Linux /proc look-ups for real mode: which processes belong to a node, and
 * which process owns the far end of a loopback TCP connection (how the
 * proxy in front of a node tells node → node traffic from client traffic
 * when every node connects from 127.0.0.1).
 */

/**
 * `root` and every process descended from it. A node's processes are its
 * tree, not only its process group: PostgreSQL makes every backend a group
 * leader of its own (`setsid` in each child), so a group signal misses them.
 */
export async function processTree(root: number): Promise<number[]> {
  const parent = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [root];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = await readFile(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const kids = parent.get(ppid);
      if (kids) kids.push(Number(e));
      else parent.set(ppid, [Number(e)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const todo = [root];
  // Bounded: each pid is visited once (a pid is the child of one parent).
  while (todo.length > 0 && out.length < 100_000) {
    const pid = todo.pop()!;
    out.push(pid);
    for (const k of parent.get(pid) ?? []) todo.push(k);
  }
  return out;
}

/** A process's start time (clock ticks since boot), which tells it from a later process given the same pid. */
export async function startTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** SIGKILL each process that is still the one we saw (same pid, same start time). */
export async function killSurvivors(seen: ReadonlyMap<number, string | undefined>): Promise<void> {
  for (const [pid, start] of seen) {
    if (start === undefined || (await startTime(pid)) !== start) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** The start time of each of `pids`. */
export async function startTimes(pids: readonly number[]): Promise<Map<number, string | undefined>> {
  const out = new Map<number, string | undefined>();
  for (const p of pids) out.set(p, await startTime(p));
  return out;
}

/** True while the process exists (and is not a zombie). */
export async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The socket inode of the IPv4 TCP connection 127.0.0.1:`localPort` →
 * 127.0.0.1:`remotePort` as the connecting side sees it, or undefined.
 */
export async function socketInode(localPort: number, remotePort: number): Promise<string | undefined> {
  let table: string;
  try {
    table = await readFile('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  const local = `0100007F:${localPort.toString(16).toUpperCase().padStart(4, '0')}`;
  const remote = `0100007F:${remotePort.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of table.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[2] === remote) return f[9];
  }
  return undefined;
}

/** Whether one of `pids` holds the socket with this inode open. */
export async function anyHoldsSocket(pids: readonly number[], inode: string): Promise<boolean> {
  const want = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if ((await readlink(`/proc/${pid}/fd/${fd}`)) === want) return true;
      } catch {
        // closed meanwhile
      }
    }
  }
  return false;
}
