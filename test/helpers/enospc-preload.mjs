// A full disk for one directory, where mounting a tiny tmpfs is not permitted.
// Files under FAULTLINE_TEST_ENOSPC_DIR share FAULTLINE_TEST_ENOSPC_BYTES of
// space, kept as the kernel keeps it: a write takes space, truncating,
// rewriting, removing or renaming over a file gives its space back. A write
// that does not fit writes what fits and returns that count (a short write);
// the next fails with ENOSPC, as the kernel's does.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';

const dir = resolve(process.env.FAULTLINE_TEST_ENOSPC_DIR ?? '/nonexistent');
const capacity = Number(process.env.FAULTLINE_TEST_ENOSPC_BYTES ?? 'Infinity');
const sizes = new Map(); // path -> bytes
const fdPath = new Map(); // fd -> path
const inDir = (p) => typeof p === 'string' && resolve(p).startsWith(`${dir}/`);
const used = () => {
  let n = 0;
  for (const s of sizes.values()) n += s;
  return n;
};

function enospc(syscall) {
  const err = new Error(`ENOSPC: no space left on device, ${syscall}`);
  err.code = 'ENOSPC';
  err.errno = -28;
  err.syscall = syscall;
  return err;
}

const real = { ...fs };
fs.openSync = function (path, flags, ...rest) {
  const fd = real.openSync.call(this, path, flags, ...rest);
  if (inDir(path)) {
    const p = resolve(path);
    fdPath.set(fd, p);
    if (flags === 'w' || !sizes.has(p)) sizes.set(p, flags === 'w' ? 0 : (sizes.get(p) ?? 0));
  }
  return fd;
};
fs.closeSync = function (fd) {
  fdPath.delete(fd);
  return real.closeSync.call(this, fd);
};
fs.writeSync = function (fd, data, ...rest) {
  const p = fdPath.get(fd);
  if (p === undefined) return real.writeSync.call(this, fd, data, ...rest);
  const bytes =
    typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const offset = typeof data === 'string' ? 0 : (rest[0] ?? 0);
  let length = typeof data === 'string' ? bytes.length : (rest[1] ?? bytes.length - offset);
  const position = typeof data === 'string' ? rest[0] : rest[2];
  const size = sizes.get(p) ?? 0;
  // Only bytes past the end take space: writing over a file's own bytes needs none.
  const start = typeof position === 'number' ? position : size;
  const free = capacity - used();
  const growth = Math.max(0, start + length - size);
  if (growth > free) {
    length = Math.max(0, size + free - start);
    if (length === 0) throw enospc('write');
  }
  const n =
    typeof position === 'number'
      ? real.writeSync.call(this, fd, bytes, offset, length, position)
      : real.writeSync.call(this, fd, bytes, offset, length);
  sizes.set(p, Math.max(size, start + n));
  return n;
};
fs.ftruncateSync = function (fd, len = 0) {
  const p = fdPath.get(fd);
  if (p !== undefined) sizes.set(p, len);
  return real.ftruncateSync.call(this, fd, len);
};
fs.writeFileSync = function (path, data, ...rest) {
  if (!inDir(path)) return real.writeFileSync.call(this, path, data, ...rest);
  const p = resolve(path);
  const n = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  sizes.set(p, 0); // O_TRUNC gives the old content's space back first
  real.writeFileSync.call(this, path, '');
  if (n > capacity - used()) throw enospc('write');
  sizes.set(p, n);
  return real.writeFileSync.call(this, path, data, ...rest);
};
fs.renameSync = function (from, to) {
  real.renameSync.call(this, from, to);
  if (inDir(from) || inDir(to)) {
    const size = sizes.get(resolve(from)) ?? 0;
    sizes.delete(resolve(from));
    sizes.set(resolve(to), size);
  }
};
fs.rmSync = function (path, ...rest) {
  real.rmSync.call(this, path, ...rest);
  if (inDir(path)) {
    const p = resolve(path);
    for (const k of [...sizes.keys()]) if (k === p || k.startsWith(`${p}/`)) sizes.delete(k);
  }
};
syncBuiltinESMExports();
