/**
 * The CLI as a bundle (`npm run build` runs this after tsc): dist/bundle/main.js
 * and the linearizable checker's worker entry, dist/bundle/worker.js, with
 * code split where the CLI imports lazily (Elle, the runner, the worker pool
 * load only when used). One file per import instead of ~60 modules resolved
 * and linked one by one: `faultline check` starts ~50 ms (CPU) sooner.
 * bin/faultline.js prefers it and falls back to tsc's dist/src/cli/main.js.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
// Chunk names carry a content hash: start empty so old chunks do not pile up.
rmSync(`${root}dist/bundle`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', worker: 'checkers/linearizable/worker.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // commander and seedrandom are CommonJS: their require() of node built-ins needs a require in ESM.
  banner: {
    js: "import { createRequire as __faultlineRequire } from 'node:module';\nconst require = __faultlineRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
