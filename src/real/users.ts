import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface UserIds {
  name: string;
  uid: number;
  gid: number;
}

/** A user's ids from /etc/passwd, or undefined if there is no such user. */
export function lookupUser(name: string): UserIds | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/** Whether the harness runs as root (and so may, and for PostgreSQL must, run nodes as another user). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Whether `user` can reach `dir` (search permission on every ancestor):
 * a store under a private home directory cannot hold another user's data.
 */
export function canTraverse(dir: string, user: UserIds): boolean {
  let d = resolve(dir);
  for (;;) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(d);
    } catch {
      return false;
    }
    const ok =
      user.uid === 0 ||
      (st.uid === user.uid
        ? (st.mode & 0o100) !== 0
        : st.gid === user.gid
          ? (st.mode & 0o010) !== 0
          : (st.mode & 0o001) !== 0);
    if (!ok) return false;
    const parent = dirname(d);
    if (parent === d) return true;
    d = parent;
  }
}
