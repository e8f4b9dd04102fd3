// A full disk for one directory, where mounting a tiny tmpfs is not permitted:
// writes to files under FAULTLINE_TEST_ENOSPC_DIR succeed until
// FAULTLINE_TEST_ENOSPC_BYTES bytes have gone there in all; the write that
// crosses the budget writes what fits and returns that count (a short write,
// as the kernel does), and every later one fails with ENOSPC, as the kernel's.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';

const dir = resolve(process.env.FAULTLINE_TEST_ENOSPC_DIR ?? '/nonexistent');
let left = Number(process.env.FAULTLINE_TEST_ENOSPC_BYTES ?? 'Infinity');
const watched = new Set();
const inDir = (p) => typeof p === 'string' && resolve(p).startsWith(`${dir}/`);

function enospc(syscall) {
  const err = new Error(`ENOSPC: no space left on device, ${syscall}`);
  err.code = 'ENOSPC';
  err.errno = -28;
  err.syscall = syscall;
  return err;
}

const openSync = fs.openSync;
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest);
  if (inDir(path)) watched.add(fd);
  return fd;
};
const closeSync = fs.closeSync;
fs.closeSync = function (fd) {
  watched.delete(fd);
  return closeSync.call(this, fd);
};
const writeSync = fs.writeSync;
fs.writeSync = function (fd, data, ...rest) {
  if (!watched.has(fd)) return writeSync.call(this, fd, data, ...rest);
  const bytes =
    typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const offset = typeof data === 'string' ? 0 : (rest[0] ?? 0);
  let length = typeof data === 'string' ? bytes.length : (rest[1] ?? bytes.length - offset);
  if (left <= 0) throw enospc('write');
  if (length > left) length = left;
  left -= length;
  return writeSync.call(this, fd, bytes, offset, length);
};
const writeFileSync = fs.writeFileSync;
fs.writeFileSync = function (path, data, ...rest) {
  if (!inDir(path)) return writeFileSync.call(this, path, data, ...rest);
  const n = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  if (n > left) {
    writeFileSync.call(this, path, '');
    throw enospc('write');
  }
  left -= n;
  return writeFileSync.call(this, path, data, ...rest);
};
syncBuiltinESMExports();
