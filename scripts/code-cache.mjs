/**
 * V8's code caches of the CLI's CommonJS bundles (run by scripts/bundle.mjs, last; the launcher,
 * bin/faultline.js, loads them in loadScript). For dist/bundle/check/main.cjs (`faultline check`)
 * the launcher runs a few small checks of made-up histories — a Jepsen console log, faultline's
 * JSONL and a Knossos EDN file; valid and not, with and without --json; for dist/bundle/main.cjs
 * (the other commands but search) a few short simulated runs, a validate and a convert. Each
 * writes FILE.BUILD.cache with the bytecode of every function they compiled. Then it asks the launcher
 * whether V8 takes the cache under the launcher's flags; a cache it would refuse is removed (the
 * command then compiles as it would without one).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const launcher = join(root, 'bin', 'faultline.js');

/**
 * A register's ops, `overlap` processes at a time: each round's ops are concurrent and
 * linearizable in process order (the values are computed so); `stale` adds a read, after
 * all of them, of the value before the last one written (not linearizable). Each op: [process, type, f, value].
 */
function registerOps(n, overlap, stale) {
  const ops = [];
  let value = 0;
  let before = 0;
  for (let i = 0; i < n; i += overlap) {
    const done = [];
    for (let p = 0; p < overlap && i + p < n; p++) {
      const k = i + p;
      if (k % 3 === 0) {
        ops.push([p, 'invoke', 'write', k]);
        done.push([p, 'ok', 'write', k]);
        [before, value] = [value, k];
      } else if (k % 3 === 1) {
        const failed = k % 7 === 1;
        const cas = failed ? [value + 100, k] : [value, k];
        ops.push([p, 'invoke', 'cas', cas]);
        done.push([p, failed ? 'fail' : 'ok', 'cas', cas]);
        if (!failed) [before, value] = [value, k];
      } else {
        ops.push([p, 'invoke', 'read', null]);
        done.push([p, k % 11 === 2 ? 'info' : 'ok', 'read', value]);
      }
    }
    ops.push(...done);
  }
  if (stale) ops.push([0, 'invoke', 'read', null], [0, 'ok', 'read', before]);
  return ops;
}

const edn = (v) => (v === null ? 'nil' : Array.isArray(v) ? `[${v.map(edn).join(' ')}]` : String(v));

function consoleLog(ops) {
  return ops.map(([p, type, f, v]) => `INFO  jepsen.util - ${p}\t:${type}\t:${f}\t${edn(v)}\n`).join('');
}

function jsonl(ops) {
  return ops
    .map(
      ([process, type, f, value], index) =>
        `${JSON.stringify({ index, time: index * 1000, type, process, f, value })}\n`,
    )
    .join('');
}

function kvEdn(keys, perKey) {
  let out = '';
  const log = new Map();
  for (let i = 0; i < keys * perKey; i++) {
    const key = String(i % keys);
    const p = i % 4;
    const piece = `x ${p} ${i} y`;
    out += `{:process ${p}, :type :invoke, :f :append, :key "${key}", :value "${piece}"}\n`;
    out += `{:process ${p}, :type :ok, :f :append, :key "${key}", :value "${piece}"}\n`;
    log.set(key, (log.get(key) ?? '') + piece);
    out += `{:process ${p}, :type :invoke, :f :get, :key "${key}", :value nil}\n`;
    out += `{:process ${p}, :type :ok, :f :get, :key "${key}", :value "${log.get(key)}"}\n`;
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'faultline-code-cache-'));
try {
  const files = {
    log: join(dir, 'register.log'),
    bad: join(dir, 'register-stale.log'),
    jsonl: join(dir, 'register.jsonl'),
    kv: join(dir, 'kv.edn'),
  };
  writeFileSync(files.log, consoleLog(registerOps(60, 3, false)));
  writeFileSync(files.bad, consoleLog(registerOps(60, 3, true)));
  writeFileSync(files.jsonl, jsonl(registerOps(60, 3, false)));
  writeFileSync(files.kv, kvEdn(5, 6));
  const lin = ['--checker', 'linearizable'];
  const store = join(dir, 'store');
  const run = (...flags) => ['run', ...flags, '--time-limit', '5', '--store', store];
  train(join(root, 'dist', 'bundle', 'check', 'main.cjs'), 'check', [
    ['check', files.log, files.bad, files.jsonl, ...lin, '--model', 'cas-register'],
    ['check', files.bad, ...lin, '--model', 'cas-register', '--json'],
    ['check', files.kv, ...lin, '--model', 'kv-append'],
  ]);
  train(join(root, 'dist', 'bundle', 'main.cjs'), 'systems', [
    run('--system', 'raft', '--workload', 'register', '--nemesis', 'partition,kill', '--seed', '1'),
    run('--system', 'raft', '--workload', 'list-append', '--nemesis', 'pause,clock', '--seed', '2'),
    run('--system', 'lww-register', '--seed', '3'),
    ['validate', files.jsonl],
    ['convert', files.log, '--to', 'edn'],
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Run TRAINING (argument lists) through the launcher as `COMMAND` would run, write FILE.BUILD.cache, and keep it only if V8 takes it. */
function train(file, command, training) {
  const made = spawnSync(process.execPath, [launcher, command], {
    env: { ...process.env, FAULTLINE_CODE_CACHE_TRAINING: JSON.stringify(training) },
    encoding: 'utf8',
  });
  // The launcher names the cache (FILE.BUILD.cache: see buildScript in bundle.mjs) and says whether V8 takes it.
  const probe = spawnSync(process.execPath, [launcher, command, '--help'], {
    env: { ...process.env, FAULTLINE_CODE_CACHE_PROBE: '1' },
    encoding: 'utf8',
  });
  const [, said, cacheFile] = probe.stderr.match(/^faultline: code cache (\w+) \((.*)\)$/m) ?? [];
  if (made.status !== 0 || said === 'absent') {
    process.stderr.write(
      `code cache of ${file}: not written (exit ${made.status}): ${made.stderr.trim().slice(-500)}\n`,
    );
  } else if (said !== 'taken') {
    if (cacheFile !== undefined) rmSync(cacheFile, { force: true });
    process.stderr.write(
      `code cache of ${file}: V8 would not take it (${said ?? probe.stderr.trim()}); removed\n`,
    );
  }
}
