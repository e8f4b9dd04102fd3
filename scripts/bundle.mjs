/**
 * The CLI as a bundle (`npm run build` runs this after tsc): dist/bundle/main.js
 * and the linearizable checker's worker entry, dist/bundle/worker.js, with
 * code split where the CLI imports lazily (Elle, the runner, the worker pool
 * load only when used). One file per import instead of ~60 modules resolved
 * and linked one by one: `faultline check` starts ~50 ms (CPU) sooner.
 * bin/faultline.js prefers it and falls back to tsc's dist/src/cli/main.js.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

/**
 * commander requires node:child_process at load (for executable subcommands,
 * which faultline has none of), and with it net, dgram and streams: ~10 ms
 * of every start. Its copy is a stub that loads the real one when called.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/')
        ? { path: 'child_process', namespace: 'lazy' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};
// Chunk names carry a content hash: start empty so old chunks do not pile up.
rmSync(`${root}dist/bundle`, { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // commander and seedrandom are CommonJS: their require() of node built-ins needs a require in ESM.
  banner: {
    js: "import { createRequire as __faultlineRequire } from 'node:module';\nconst require = __faultlineRequire(import.meta.url);",
  },
  plugins: [lazyChildProcess],
  // Loaded from node_modules when used: dockerode pulls in native addons (ssh2, cpu-features) esbuild cannot
  // bundle, tsx registers loader hooks by its own files' URLs (plug-in modules in TypeScript), and etcd3's
  // gRPC reads its .proto files beside its own modules (`${__dirname}/../proto`: bundled, that is
  // dist/, and in an ES module __dirname is not even defined). The database clients load only for a
  // real run, so pg and ioredis stay out too. (cli-progress is required on a run's first progress bar,
  // from node_modules: src/cli/terminal.ts.)
  external: ['dockerode', 'tsx', 'etcd3', 'pg', 'ioredis'],
  logLevel: 'warning',
  // Less source to read, hold and pre-parse at every start (names are kept: stack traces still name functions).
  minifyWhitespace: true,
  minifySyntax: true,
};
/**
 * ENTRY as one CommonJS file, OUTDIR/main.cjs: what bin/faultline.js runs with V8's code cache. Its
 * first line names the build (`// faultline-build HASH`, a hash of the rest), and so does its cache's
 * file name, main.cjs.HASH.cache: V8 checks a cache against the source's length only, and a cache
 * of another build must never be offered (file times do not tell: npm sets them when it unpacks).
 */
async function buildScript(entry, outdir) {
  const result = await build({
    ...common,
    splitting: false,
    format: 'cjs',
    banner: { js: "var __faultlineMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__faultlineMetaUrl' },
    entryPoints: { main: entry },
    outExtension: { '.js': '.cjs' },
    outdir,
    write: false,
  });
  const [out] = result.outputFiles;
  const hash = createHash('sha256').update(out.contents).digest('hex').slice(0, 16);
  mkdirSync(dirname(out.path), { recursive: true });
  writeFileSync(out.path, `// faultline-build ${hash}\n${out.text}`);
}
/**
 * `faultline check` from a bundle of its own, dist/bundle/check/ (bin/faultline.js runs it for
 * `check`): in the whole CLI's bundle its modules are spread over ~25 chunks shared with the other
 * commands and the workers. Here the program is one CommonJS file, main.cjs (below), and the worker
 * threads it starts are ES module entries beside it: the linearizable checker's worker.js (which
 * workers.ts finds beside the module that starts it) and check-files-worker.js.
 */
await build({
  ...common,
  entryPoints: {
    worker: 'checkers/linearizable/worker.ts',
    // Several files checked at once (src/cli/commands/check-threads.ts finds it beside the chunks).
    'check-files-worker': 'src/cli/commands/check-files-worker.ts',
  },
  outdir: 'dist/bundle/check',
});
/**
 * The check program, dist/bundle/check/main.cjs, which bin/faultline.js runs through node:vm to
 * start it from V8's code cache (scripts/code-cache.mjs writes main.cjs.BUILD.cache; node 20 caches
 * no ES module's code). import.meta.url is the file's own URL; import() of plug-ins goes through the
 * launcher (src/dynamic-import.ts).
 */
await buildScript('src/cli/check-entry.ts', 'dist/bundle/check');
await build({
  ...common,
  entryPoints: {
    main: 'src/cli/main.ts',
    worker: 'checkers/linearizable/worker.ts',
    // `faultline run`'s budgeted check (src/host/check-in-worker.ts) finds it beside the chunks.
    'check-worker': 'src/host/check-worker.ts',
    // faultline search's worker threads (src/search/pool.ts looks for it beside the chunks).
    'search-worker': 'src/search/worker.ts',
    'check-files-worker': 'src/cli/commands/check-files-worker.ts',
  },
  outdir: 'dist/bundle',
});
/** The whole CLI as one CommonJS file likewise (dist/bundle/main.cjs), beside the worker entries it starts. */
await buildScript('src/cli/main.ts', 'dist/bundle');
// Last: the code cache is of the files just written.
await import('./code-cache.mjs');
