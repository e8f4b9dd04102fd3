import type { SearchSummary } from './types.js';

/**
 * Combine the summaries of the shards of one search (`--shard k/n`, each
 * printed with --json): the same request apart from the shard, each shard
 * once. Seeds, failures and unknown seeds are put back in seed order, and
 * the stop rule is applied again to the whole (the lowest failing seeds).
 * A missing shard is named in `stoppedBecause`, not hidden.
 */
export function mergeSummaries(parts: readonly { file: string; summary: SearchSummary }[]): SearchSummary {
  if (parts.length === 0) throw new Error('name at least one summary file');
  for (const p of parts) {
    if (p.summary?.kind !== 'faultline-search')
      throw new Error(
        `${p.file}: not a faultline search summary (write one with \`faultline search --json\`)`,
      );
  }
  const first = parts[0].summary;
  const key = (s: SearchSummary) =>
    JSON.stringify({ fixed: s.request.fixed, seeds: s.request.seeds, stop: s.request.stop });
  const count = first.request.shard?.count ?? 1;
  const seen = new Map<number, string>();
  for (const p of parts) {
    const r = p.summary.request;
    if (key(p.summary) !== key(first))
      throw new Error(
        `${p.file} is a different search from ${parts[0].file} (system, fixed flags, seeds or stop rule differ)`,
      );
    const shardCount = r.shard?.count ?? 1;
    if (shardCount !== count)
      throw new Error(
        `${p.file} is shard ${r.shard?.index ?? 1}/${shardCount}, ${parts[0].file} is one of ${count}`,
      );
    const index = r.shard?.index ?? 1;
    const other = seen.get(index);
    if (other !== undefined) throw new Error(`${p.file} and ${other} are both shard ${index}/${count}`);
    seen.set(index, p.file);
  }
  const missing: number[] = [];
  for (let i = 1; i <= count; i++) if (!seen.has(i)) missing.push(i);

  const seeds = parts.flatMap((p) => p.summary.seeds).sort((a, b) => a.seed - b.seed);
  const stop = first.request.stop;
  const want = stop.kind === 'first' ? 1 : stop.kind === 'collect' ? stop.count : Number.POSITIVE_INFINITY;
  const failures = parts
    .flatMap((p) => p.summary.failures)
    .sort((a, b) => a.seed - b.seed)
    .slice(0, want);
  const unknown = parts.flatMap((p) => p.summary.unknown).sort((a, b) => a.seed - b.seed);
  const wallSeconds = Math.max(...parts.map((p) => p.summary.wallSeconds));
  const counts = {
    seeds: seeds.length,
    valid: seeds.filter((s) => s.valid === true).length,
    invalid: seeds.filter((s) => s.valid === false).length,
    unknown: seeds.filter((s) => s.valid === 'unknown').length,
    notRun: parts.reduce((n, p) => n + p.summary.counts.notRun, 0),
  };
  const early = parts.map((p) => p.summary.stoppedBecause).filter((x): x is string => x !== undefined);
  const reasons = [
    ...(missing.length > 0
      ? [`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`]
      : []),
    ...new Set(early),
  ];
  return {
    kind: 'faultline-search',
    faultlineVersion: first.faultlineVersion,
    startedAt: parts.map((p) => p.summary.startedAt).sort()[0],
    request: {
      ...first.request,
      shard: null,
      workers: parts.reduce((n, p) => n + p.summary.request.workers, 0),
    },
    counts,
    wallSeconds,
    // The shards ran side by side: the combined rate is the sum of theirs.
    seedsPerSecond: parts.reduce((n, p) => n + p.summary.seedsPerSecond, 0),
    seeds,
    failures,
    unknown,
    ...(reasons.length > 0 ? { stoppedBecause: reasons.join('; ') } : {}),
    merged: parts.map((p) => p.file),
  };
}
