#!/usr/bin/env node
// Thin launcher: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The bundle (scripts/bundle.mjs) starts faster; tsc's modules are the fallback.
// `faultline check` has a bundle of its own (dist/bundle/check/: fewer files to load).
const checkBundle = join(root, 'dist', 'bundle', 'check', 'main.js');
const bundled =
  process.argv[2] === 'check' && existsSync(checkBundle)
    ? checkBundle
    : join(root, 'dist', 'bundle', 'main.js');
const compiled = existsSync(bundled) ? bundled : join(root, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(compiled)) {
  process.stderr.write(
    `faultline: the CLI is not built yet; run \`npm run build\` (or \`npm ci\`) in ${root}\n`,
  );
  process.exit(255);
}
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
// Most checks are over before V8's optimising compiler pays: it waits for 400 ms of CPU (src/jit.ts).
if (process.argv[2] === 'check') {
  const { deferOptimiser } = await import(pathToFileURL(join(root, 'dist', 'src', 'jit.js')).href);
  deferOptimiser(400);
}
const { main, takeInterruptSignal } = await import(pathToFileURL(compiled).href);
process.exitCode = await main(process.argv.slice(2));
// A run stopped by SIGINT/SIGTERM has written what it knew; now end by that signal, so a
// shell (or a loop in a script) sees the process was interrupted and stops too.
const signal = takeInterruptSignal();
if (signal) {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}
