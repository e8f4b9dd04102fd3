/**
 * One Elle benchmark measurement in a fresh process (so peak memory is this
 * run's own): generate a seeded list-append history, check it, print JSON.
 *
 *   node --import tsx bench/_elle-worker.ts TXNS serializable|anomalies MODEL [SEED]
 */
import { checkListAppend } from '../checkers/elle/index.js';
import { generateListAppend, variantOptions } from './_elle-gen.js';

const [txnsArg, variant, model, seed = 'elle-bench'] = process.argv.slice(2);
const txns = Number(txnsArg);
// Warm the JIT first, as a long-running checker would be (a cold check of
// 10k txns is several times slower than a warm one).
const warmup = generateListAppend({ txns: 20_000, seed: `${seed}-warmup`, staleReadRate: 0.001 });
for (let i = 0; i < 6; i++) await checkListAppend(warmup, { consistencyModels: [model] });
const history = generateListAppend({ txns, seed, ...variantOptions(variant) });
const rssBeforeCheckMb = process.memoryUsage().rss / 2 ** 20;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = await checkListAppend(history, { consistencyModels: [model] });
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const counts: Record<string, number> = {};
for (const [type, cases] of Object.entries(result.anomalies ?? {})) counts[type] = cases.length;
process.stdout.write(
  `${JSON.stringify({
    txns,
    variant,
    model,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssBeforeCheckMb,
    valid: result.valid,
    anomalies: counts,
    not: result.not ?? [],
  })}\n`,
);
