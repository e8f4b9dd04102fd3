#!/usr/bin/env node
// Thin launcher: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(compiled)) {
  process.stderr.write(
    `faultline: the CLI is not built yet; run \`npm run build\` (or \`npm ci\`) in ${root}\n`,
  );
  process.exit(255);
}
// A reader that stops early (`faultline … | head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import(pathToFileURL(compiled).href);
process.exitCode = await main(process.argv.slice(2));
