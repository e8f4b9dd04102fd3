#!/usr/bin/env node
// Thin launcher: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
// A CommonJS module (bin/package.json): node starts one ~5 ms sooner than an ES module, and
// `faultline check` (a script, see loadScript) then never starts node's ES module loader at all.
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const root = join(__dirname, '..');
// The bundle (scripts/bundle.mjs) starts faster; tsc's modules are the fallback. Each command but
// search, and but a bare listing (--help needs dist/bundle/main.js alone: less to read), runs from one
// CommonJS file with V8's code cache (see loadScript): check from its own, dist/bundle/check/main.cjs,
// the others from dist/bundle/main.cjs. search's child node runs under other V8 flags than the cache
// was made with, so it runs from main.js.
const command = process.argv[2];
const script = join(root, 'dist', 'bundle', ...(command === 'check' ? ['check'] : []), 'main.cjs');
const fromScript =
  command !== undefined &&
  !command.startsWith('-') &&
  command !== 'help' &&
  command !== 'search' &&
  existsSync(script);
const bundled = join(root, 'dist', 'bundle', 'main.js');
const compiled = existsSync(bundled) ? bundled : join(root, 'dist', 'src', 'cli', 'main.js');
if (!fromScript && !existsSync(compiled)) {
  process.stderr.write(
    `faultline: the CLI is not built yet; run \`npm run build\` (or \`npm ci\`) in ${root}\n`,
  );
  process.exit(255);
}
// `faultline search` runs a simulation per worker thread, one per core. V8's own background threads (the
// concurrent optimising compiler, parallel and concurrent GC) would then compete with the workers for those
// cores: on 2 cores, 2 workers ran 11–13% more seeds per second with each isolate collecting and compiling
// on its own thread, and 1 worker no slower (bench/search.ts). V8 flags belong to the whole process and
// cannot change once it runs (setting GC flags then aborts V8), so search runs in a child node that has them.
const SEARCH_V8_FLAGS = ['--single-threaded-gc', '--no-concurrent-recompilation'];
if (command === 'search' && !SEARCH_V8_FLAGS.every((f) => process.execArgv.includes(f))) {
  const { spawn } = require('node:child_process');
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...SEARCH_V8_FLAGS, __filename, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  // A signal sent to this process alone (kill PID, a test's timeout) goes on to the search; one from the
  // terminal reaches both, and the search's own handling decides.
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => child.kill(signal);
  for (const signal of SIGNALS) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(
      `faultline: cannot start the search process (${process.execPath}): ${err.message}\n`,
    );
    process.exit(255);
  });
  child.on('exit', (code, signal) => {
    for (const s of SIGNALS) process.removeListener(s, forward);
    // End as the search ended: by its exit code, or by the signal that stopped it.
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 255;
  });
} else {
  runCli().catch((err) => {
    // Not a user's mistake (main() reports those): the CLI itself failed to load or run.
    process.stderr.write(`faultline: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(255);
  });
}

async function runCli() {
  // A reader that stops early (`faultline … | head`) closes the pipe: drop the rest of the output quietly, as
  // Unix tools do, but finish and exit with the verdict's code (0 valid, 1 invalid, …), which `set -o pipefail`
  // and `PIPESTATUS` report: a closed pipe must never turn INVALID into 0.
  // Any other failure to write stdout (redirected to a full disk, say) is one line and exit 254.
  const STDOUT_PROBLEMS = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'file too large',
    EIO: 'input/output error',
  };
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') {
      process.stdout.write = () => true;
      return;
    }
    const problem = STDOUT_PROBLEMS[err.code] ?? err.message;
    try {
      process.stderr.write(`faultline: cannot write the output (stdout): ${problem}\n`);
    } catch {
      // stderr is gone too: the exit code still says it
    }
    process.exit(254);
  });
  // Most checks are over before V8's optimising compiler pays: it waits for 400 ms of CPU. This is
  // src/jit.ts's deferOptimiser(400), here because a CommonJS module cannot load that ES module at
  // once, and before loadScript, whose code cache V8 takes only under the flags it was made with.
  if (command === 'check') {
    const { setFlagsFromString } = require('node:v8');
    setFlagsFromString('--no-opt');
    setFlagsFromString('--semi-space-growth-factor=1');
    globalThis[Symbol.for('faultline.optimiseAfterCpuMicros')] = 400 * 1000;
  }
  const loaded = fromScript ? loadScript(script) : undefined;
  const { main, takeInterruptSignal } = loaded?.exports ?? (await import(pathToFileURL(compiled).href));
  // Build-time hooks of scripts/code-cache.mjs: make the cache, then ask whether V8 takes it.
  if (loaded && process.env.FAULTLINE_CODE_CACHE_PROBE === '1')
    process.stderr.write(
      `faultline: code cache ${loaded.cacheRejected ? 'rejected' : loaded.cacheOffered ? 'taken' : 'absent'} (${loaded.cacheFile})\n`,
    );
  const training = process.env.FAULTLINE_CODE_CACHE_TRAINING;
  if (loaded && training !== undefined) {
    await trainCodeCache(loaded, main, training);
    return;
  }
  process.exitCode = await main(process.argv.slice(2));
  // A run stopped by SIGINT/SIGTERM has written what it knew; now end by that signal, so a
  // shell (or a loop in a script) sees the process was interrupted and stops too.
  const signal = takeInterruptSignal();
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
}

/**
 * A CommonJS bundle run as node runs one, but compiled through node:vm with V8's code cache beside
 * it (FILE.BUILD.cache, written at build time by scripts/code-cache.mjs): the functions a check runs come
 * compiled to bytecode instead of being parsed and compiled at every start. A cache V8 rejects
 * (another node, other V8 flags) costs nothing: the code compiles as it would without one. The
 * script's import() of plug-ins is this module's (src/dynamic-import.ts).
 */
function loadScript(file) {
  const source = readFileSync(file, 'utf8');
  // The build's name on the first line names its cache (scripts/bundle.mjs, buildScript): V8 checks
  // a cache against the source's length only, so a cache of another build must not be offered.
  const build = /^\/\/ faultline-build ([0-9a-f]+)\n/.exec(source)?.[1];
  const cacheFile = build === undefined ? undefined : `${file}.${build}.cache`;
  const cachedData = cacheFile !== undefined && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
  globalThis[Symbol.for('faultline.import')] = (specifier) => import(specifier);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return {
    script,
    cacheFile,
    cacheOffered: cachedData !== undefined,
    cacheRejected: cachedData !== undefined && script.cachedDataRejected,
    exports: module.exports,
  };
}

/**
 * Build time only (scripts/code-cache.mjs): run each check of TRAINING (a JSON list of argument
 * lists), then write the code cache, with every function they compiled. V8 takes a cache only
 * under the flags it was made with, the launcher's (TurboFan deferred): a training check must
 * stay short enough never to turn TurboFan on.
 */
async function trainCodeCache({ script, cacheFile }, main, training) {
  if (cacheFile === undefined) throw new Error('the bundle names no build: rebuild it (npm run build)');
  const deferred = globalThis[Symbol.for('faultline.optimiseAfterCpuMicros')] !== undefined;
  for (const argv of JSON.parse(training)) await main(argv);
  if (deferred && globalThis[Symbol.for('faultline.optimiseAfterCpuMicros')] === undefined) {
    process.stderr.write('faultline: no code cache written: a training check turned TurboFan on\n');
    process.exitCode = 3;
    return;
  }
  writeFileSync(cacheFile, script.createCachedData());
  process.exitCode = 0;
}
