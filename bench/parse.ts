/**
 * `npm run bench -- parse`: time to read and validate every history in
 * ../shared/data (109 files), in-process. Target: under 0.3 s.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHistoryFileSync } from '../src/history/read.js';
import { validateHistory } from '../src/history/validate.js';
import { fmt, median, printTable } from './_table.js';

const data = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');

export default async function main(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? 15);
  const sets = ['jepsen-etcd', 'kv'].map((name) => ({
    name,
    files: readdirSync(join(data, name))
      .filter((f) => f.endsWith('.log') || f.endsWith('.txt'))
      .map((f) => join(data, name, f)),
  }));
  const rows: (string | number)[][] = [];
  const totals: number[] = [];
  const perSet = new Map<string, number[]>();
  let opCount = 0;
  for (let run = 0; run < runs; run++) {
    let total = 0;
    for (const set of sets) {
      const t0 = performance.now();
      let ops = 0;
      for (const file of set.files) {
        const h = readHistoryFileSync(file);
        if (validateHistory(h).length > 0) throw new Error(`${file} does not validate`);
        ops += h.ops.length;
      }
      const ms = performance.now() - t0;
      total += ms;
      if (!perSet.has(set.name)) perSet.set(set.name, []);
      perSet.get(set.name)!.push(ms);
      if (run === 0) opCount += ops;
    }
    totals.push(total);
  }
  for (const set of sets) {
    const ms = median(perSet.get(set.name)!);
    rows.push([set.name, set.files.length, fmt.ms(ms), `first run ${fmt.ms(perSet.get(set.name)![0])}`]);
  }
  const all = median(totals);
  rows.push([
    'all',
    sets.reduce((n, s) => n + s.files.length, 0),
    fmt.ms(all),
    `first run ${fmt.ms(totals[0])}`,
  ]);
  printTable(
    `read + validate ../shared/data (${opCount} ops), median of ${runs} runs`,
    ['set', 'files', 'median', 'cold'],
    rows,
  );
  process.stdout.write(
    `\ntarget < 300 ms: ${all < 300 ? 'met' : 'MISSED'} (${fmt.ratio(300 / all)} headroom)\n`,
  );
}
