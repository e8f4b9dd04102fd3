/**
 * Seeds to first failure by search, per bug knob: `faultline search --system
 * S --bug B --seeds 1..N --no-shrink` with nothing else given (every other
 * dimension drawn per seed by the swarm), stopping at the first failure.
 * The first failure's configuration is run again with the knob off: the
 * correct system must be valid there, or the failure was not the knob's.
 */
import { runScenario } from '../src/search/scenario.js';
import { search } from '../src/search/search.js';
import { printTable } from './_table.js';

export interface KnobSearch {
  knob: string;
  firstSeed?: number;
  anomaly?: string;
  drawn?: string;
  knobOff?: string;
  wallS: number;
}

function progress(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

export async function searchKnobs(
  system: string,
  knobs: readonly string[],
  seeds: number,
  workers: number,
): Promise<KnobSearch[]> {
  const out: KnobSearch[] = [];
  for (const knob of knobs) {
    const s = await search({
      fixed: { system, bugs: [knob] },
      seeds: { from: 1, to: seeds },
      workers,
      stop: { kind: 'first' },
      shrink: false,
      startedAtIso: new Date().toISOString(),
    });
    const f = s.failures[0];
    const row: KnobSearch = { knob, wallS: s.wallSeconds };
    if (f) {
      const c = f.config;
      row.firstSeed = f.seed;
      // Elle and the linearizable checker name their anomalies; the consensus and bank checkers say it in
      // their summary (class `consensus-invalid`, `bank-invalid`).
      row.anomaly =
        f.anomaly.endsWith('-invalid') && f.checkSummary
          ? `${f.anomaly}: ${f.checkSummary}`
          : f.anomalies.join(', ');
      row.drawn = `${c.workload}, ${c.nodes} nodes, ${c.nemesis.join(',') || 'no faults'}, every ~${c.nemesisIntervalMs} ms for ~${c.nemesisDurationMs} ms`;
      const off = await runScenario({ config: { ...c, bugs: [] } });
      row.knobOff =
        off.valid === true ? 'valid' : off.valid === false ? `INVALID (${off.anomaly?.anomaly})` : 'unknown';
      if (off.valid === false) process.exitCode = 1;
    } else process.exitCode = 1;
    progress(`${system} ${knob}: ${f ? `seed ${f.seed} (${f.anomaly})` : `none in 1..${seeds}`}`);
    out.push(row);
  }
  printTable(
    `${system} bug knobs: seeds to first failure by search (only --bug given: the swarm draws the rest), seeds 1..${seeds}, ${workers} worker${workers === 1 ? '' : 's'}`,
    ['knob', 'first failing seed', 'anomaly', 'drawn there', 'knob off, same config', 'wall s'],
    out.map((r) => [
      r.knob,
      r.firstSeed ?? `none in 1..${seeds}`,
      r.anomaly ?? '-',
      r.drawn ?? '-',
      r.knobOff ?? '-',
      r.wallS.toFixed(1),
    ]),
  );
  return out;
}
