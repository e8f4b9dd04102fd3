import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Linux /proc look-ups for real mode: which processes belong to a node, and
 * which process owns the far end of a loopback TCP connection (how the
 * proxy in front of a node tells node → node traffic from client traffic
 * when every node connects from 127.0.0.1).
 */

/** Pids whose process group is `pgid` (a node started as its own group: its server and every child). */
export async function pidsInGroup(pgid: number): Promise<number[]> {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = await readFile(`/proc/${e}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid) out.push(Number(e));
    } catch {
      // the process ended while we looked
    }
  }
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
