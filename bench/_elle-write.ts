/**
 * Writes one of the Elle benchmark's seeded histories to a JSONL file with
 * the store's own writer (the bytes `faultline run` would leave in
 * history.jsonl), for the whole-process rows of bench/elle.ts. Prints JSON.
 *
 *   node --import tsx bench/_elle-write.ts TXNS serializable|anomalies SEED FILE
 */
import { statSync } from 'node:fs';
import { HistoryFileWriter } from '../src/store/history-writer.js';
import { generateListAppend, variantOptions } from './_elle-gen.js';

const [txnsArg, variant, seed, file] = process.argv.slice(2);
const txns = Number(txnsArg);
const history = generateListAppend({ txns, seed, ...variantOptions(variant) });
const writer = new HistoryFileWriter(file);
for (const op of history) writer.write(op);
writer.close();
process.stdout.write(
  `${JSON.stringify({ txns, variant, ops: history.length, bytes: statSync(file).size })}\n`,
);
