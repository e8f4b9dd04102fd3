/**
 * Starting a worker thread on one of our own entry modules, wherever the code
 * runs from: the CLI's bundle (dist/bundle, scripts/bundle.mjs: the entry
 * beside the chunks, under its bundle name), tsc's dist/ (the compiled entry
 * beside the module that starts it), or the TypeScript sources (tests, tsx:
 * the worker registers tsx's loader itself first).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export interface ThreadEntry {
  /** import.meta.url of the module starting the thread. */
  here: string;
  /** The entry's file name beside `here` without extension (`worker` for ./worker.ts / ./worker.js). */
  source: string;
  /** The entry's name in the bundle when it differs from `source` (its file beside the chunks). */
  bundled?: string;
}

export function startThread(entry: ThreadEntry, options: WorkerOptions): Worker {
  const { here, source, bundled } = entry;
  if (!here.endsWith('.ts')) {
    const inBundle = bundled === undefined ? undefined : new URL(`./${bundled}.js`, here);
    const url =
      inBundle !== undefined && existsSync(fileURLToPath(inBundle))
        ? inBundle
        : new URL(`./${source}.js`, here);
    return new Worker(url, options);
  }
  const api = createRequire(here)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const module = new URL(`./${source}.ts`, here).href;
  const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(module)}); });`;
  return new Worker(code, { ...options, eval: true });
}
