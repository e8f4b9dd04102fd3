/**
 * `npm run bench -- NAME [args…]` runs bench/NAME.ts, whose default export
 * is `async (args: string[]) => void` and prints a table.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(
    `${name ? `unknown benchmark '${name}'` : 'name a benchmark'}; choices: ${available.join(', ')}\n` +
      'usage: npm run bench -- NAME [args…]\n',
  );
  process.exit(254);
}
const file = join(here, `${name}.ts`);
if (!existsSync(file)) process.exit(254);
const mod = (await import(pathToFileURL(file).href)) as { default: (args: string[]) => Promise<void> };
await mod.default(args);
