import { UserError } from './user-error.js';

/**
 * Filesystem failures in words. Node's errors (`ENOTDIR: not a directory,
 * mkdir '/etc/passwd/x'`) come with a stack and a syscall name; a user needs
 * the path and what is wrong with it, on one line.
 */
const PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory (or a parent of it is not)',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
  EBUSY: 'resource busy',
  EXDEV: 'crosses file systems',
};

export interface FsFailure {
  code: string;
  path: string | undefined;
  problem: string;
}

/** The filesystem failure in `err`, if it is one Node raised (an errno code we can put in words). */
export function fsFailure(err: unknown): FsFailure | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code !== 'string' || !(e.code in PROBLEMS)) return undefined;
  return { code: e.code, path: typeof e.path === 'string' ? e.path : undefined, problem: PROBLEMS[e.code] };
}

/** True when `err` says the disk (or quota) is full. */
export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
}

/**
 * A filesystem failure as a UserError: `WHAT PATH: problem`, e.g.
 * `--out /etc/passwd/x: cannot create the directory: not a directory`.
 * `what` says what the path is for (a flag, "history file", …).
 */
export function fsUserError(
  err: unknown,
  what: string,
  path?: string,
  doing?: string,
): UserError | undefined {
  const f = fsFailure(err);
  if (!f) return undefined;
  const where = path ?? f.path ?? '';
  const label = what === '' ? where : where === '' ? what : `${what} ${where}`;
  return new UserError(`${label}: ${doing ? `${doing}: ` : ''}${f.problem}`, undefined, {
    file: where || undefined,
  });
}
