import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/history/op.js';
import {
  ALL_PARTITION_MODES,
  defaultPartitionModes,
  type FaultEvent,
  NEMESIS_KINDS,
  type PartitionMode,
  parseNemesisKinds,
  parsePartitionModes,
  partitionModeProblem,
} from '../../src/nemesis/nemesis.js';
import { resolveConfig } from '../../src/runner/config.js';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { simulate } from '../../src/runner/simulate.js';

function run(nemesis: string, seed: number, system = 'lww-register') {
  const sink = new MemoryHistorySink();
  const summary = simulate(
    {
      system,
      workload: 'register',
      nemesis: parseNemesisKinds(nemesis),
      seed,
      timeLimitS: 8,
      rateOpsPerS: 40,
      nemesisIntervalMs: 1000,
      nemesisDurationMs: 1000,
    },
    { history: sink },
  );
  return { ops: sink.ops, summary };
}

const nemesisOps = (ops: Op[]) => ops.filter((o) => o.process === 'nemesis');

describe('nemesis', () => {
  it('parses kinds, all and none, and refuses unknown names with the choices', () => {
    expect(parseNemesisKinds('partition,clock')).toEqual(['partition', 'clock']);
    expect(parseNemesisKinds('all')).toEqual([...NEMESIS_KINDS]);
    expect(parseNemesisKinds('none')).toEqual([]);
    expect(() => parseNemesisKinds('partition,meteor')).toThrow(
      /unknown nemesis 'meteor'; choices: partition, kill/,
    );
  });

  it('every kind starts and stops as invoke + info pairs, and everything is healed by the end', () => {
    const { ops, summary } = run('all', 21);
    const nem = nemesisOps(ops);
    for (let i = 0; i < nem.length; i += 2) {
      expect(nem[i].type).toBe('invoke');
      expect(nem[i + 1].type).toBe('info');
      expect(nem[i + 1].f).toBe(nem[i].f);
    }
    const started = new Set(nem.filter((o) => o.f?.startsWith('start-')).map((o) => o.f!.slice(6)));
    expect([...started].sort()).toEqual([...NEMESIS_KINDS].sort());
    // Each start is matched by a stop of the same kind.
    for (const k of NEMESIS_KINDS) {
      const starts = nem.filter((o) => o.f === `start-${k}` && o.type === 'info').length;
      const stops = nem.filter((o) => o.f === `stop-${k}` && o.type === 'info').length;
      expect(stops).toBe(starts);
    }
    expect(summary.sim.crashes).toBe(summary.sim.restarts);
    // After the last nemesis op, clients still complete ops: the final reads ran on a healed cluster.
    const lastNemesis = nem[nem.length - 1].index;
    expect(ops.some((o) => o.index > lastNemesis && o.type === 'ok' && o.f === 'read')).toBe(true);
  });

  it('partition values describe the grouping', () => {
    const modes = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      for (const o of nemesisOps(run('partition', seed, 'lww-register').ops)) {
        if (o.f === 'start-partition' && o.type === 'info') modes.add((o.value as { mode: string }).mode);
      }
    }
    expect(modes.size).toBeGreaterThanOrEqual(3);
  });

  it('changing the nemesis does not reshuffle the client generator', () => {
    const a = run('none', 5).ops.filter((o) => o.type === 'invoke' && o.process !== 'nemesis');
    const b = run('clock', 5).ops.filter((o) => o.type === 'invoke' && o.process !== 'nemesis');
    // Clock faults change outcomes, not what the clients ask for nor when (the first ops are identical).
    const head = (xs: Op[]) => xs.slice(0, 30).map((o) => [o.time, o.f, o.key, JSON.stringify(o.value)]);
    expect(head(b)).toEqual(head(a));
  });
});

describe('partitions that cut clients off', () => {
  it('a single node is cut off from its clients: its replies are lost and ops end indeterminate', () => {
    const { ops } = run('partition', 1, 'single-register');
    const starts = nemesisOps(ops).filter((o) => o.f === 'start-partition' && o.type === 'info');
    expect(starts.length).toBeGreaterThan(0);
    for (const s of starts) expect(s.value).toMatchObject({ mode: 'client-replies', node: 'n1' });
    expect(ops.some((o) => o.type === 'info' && o.process !== 'nemesis')).toBe(true);
  });
});

describe('partitions aimed at the primary', () => {
  function runRaft(seed: number) {
    const sink = new MemoryHistorySink();
    const leaders: { timeNs: number; node: string; term: number }[] = [];
    simulate(
      {
        system: 'raft',
        workload: 'register',
        nemesis: ['partition'],
        partitionModes: ['isolate-primary'],
        seed,
        timeLimitS: 10,
        rateOpsPerS: 20,
        nemesisIntervalMs: 500,
        nemesisDurationMs: 800,
      },
      {
        history: sink,
        nodeLog: (node, timeNs, line) => {
          const m = /^leader for term (\d+)/.exec(line);
          if (m) leaders.push({ timeNs, node, term: Number(m[1]) });
        },
      },
    );
    return { ops: sink.ops, leaders };
  }

  it('parses partition modes and refuses unknown ones with the choices', () => {
    expect(parsePartitionModes('isolate-primary, random-halves')).toEqual([
      'isolate-primary',
      'random-halves',
    ]);
    expect(() => parsePartitionModes('isolate-primary,moon')).toThrow(
      /unknown partition mode 'moon'; choices: random-halves, .*isolate-primary/,
    );
    expect(() => parsePartitionModes(',')).toThrow(/no partition mode given/);
  });

  it('isolate-primary cuts off the node that leads the newest term', () => {
    const { ops, leaders } = runRaft(3);
    const starts = nemesisOps(ops).filter((o) => o.f === 'start-partition' && o.type === 'info');
    expect(starts.length).toBeGreaterThan(3);
    let aimed = 0;
    for (const s of starts) {
      const v = s.value as { mode: string; primary: string | null; groups: string[][] };
      expect(v.mode).toBe('isolate-primary');
      if (v.primary === null) continue;
      aimed++;
      expect(v.groups[0]).toEqual([v.primary]);
      // The newest leader elected before the partition began is the one cut off.
      const newest = leaders
        .filter((l) => l.timeNs <= (s.time ?? 0))
        .reduce((a, b) => (b.term > a.term ? b : a));
      expect(v.primary).toBe(newest.node);
    }
    expect(aimed).toBeGreaterThan(0);
  });

  it('is refused by name for a system that reports no leader, and never drawn for one', () => {
    expect(() =>
      simulate(
        {
          system: 'lww-register',
          workload: 'register',
          nemesis: ['partition'],
          partitionModes: ['isolate-primary'],
          seed: 4,
          timeLimitS: 5,
        },
        { history: new MemoryHistorySink() },
      ),
    ).toThrow(
      /partition mode isolate-primary cannot apply to lww-register: it needs a system whose nodes report/,
    );
    // Not drawn for it by default either.
    const config = resolveConfig({ system: 'lww-register', nemesis: ['partition'], seed: 1 }).config;
    expect(config.partitionModes).not.toContain('isolate-primary');
  });
});

describe('every fault does what it says', () => {
  function faultsOf(config: Parameters<typeof simulate>[0]) {
    const sink = new MemoryHistorySink();
    const summary = simulate(config, { history: sink }, { recordSchedule: true });
    return { ops: sink.ops, summary, faults: summary.schedule?.faults as FaultEvent[] };
  }

  it('every partition shape cuts at least one link, on every cluster size it applies to', () => {
    for (const nodes of [1, 2, 3, 4, 5, 7]) {
      for (const mode of ALL_PARTITION_MODES) {
        const system = mode === 'isolate-primary' ? 'raft' : 'single-register';
        if (partitionModeProblem(mode, { nodes, hasPrimary: system === 'raft' })) continue;
        const { faults, summary } = faultsOf({
          system,
          workload: 'register',
          nemesis: ['partition'],
          partitionModes: [mode],
          nodes,
          seed: nodes * 10 + 1,
          timeLimitS: 4,
          nemesisIntervalMs: 300,
          nemesisDurationMs: 300,
        });
        expect(faults.length, `${mode} on ${nodes} nodes`).toBeGreaterThan(2);
        for (const f of faults)
          expect(f.cuts?.length, `${mode} on ${nodes}: ${JSON.stringify(f)}`).toBeGreaterThan(0);
        expect(summary.network.cut, `${mode} on ${nodes}`).toBeGreaterThan(0);
      }
    }
  });

  it('a majority ring on three nodes gives each node a different majority (one-way links)', () => {
    const { faults } = faultsOf({
      system: 'raft',
      workload: 'register',
      nemesis: ['partition'],
      partitionModes: ['majority-ring'],
      nodes: 3,
      seed: 2,
      timeLimitS: 4,
      nemesisIntervalMs: 500,
      nemesisDurationMs: 500,
    });
    expect(faults.length).toBeGreaterThan(0);
    for (const f of faults) {
      const nodes = ['n1', 'n2', 'n3'];
      const hears = nodes.map((n) =>
        nodes
          .filter((m) => m === n || !f.cuts?.some(([a, b]) => a === m && b === n))
          .sort()
          .join(','),
      );
      for (const h of hears) expect(h.split(',')).toHaveLength(2); // itself and one other: a majority
      expect(new Set(hears).size).toBe(3);
    }
  });

  it("the issue's example (lww-register, rw-register, seed 4) now cuts messages", () => {
    const { summary } = faultsOf({
      system: 'lww-register',
      workload: 'rw-register',
      nemesis: ['partition'],
      seed: 4,
    });
    expect(summary.faults.took.partition).toBeGreaterThan(0);
    expect(summary.network.cut).toBeGreaterThan(0);
  });

  it('kinds that cannot apply are not drawn by default and refused by name when asked for', () => {
    expect(defaultPartitionModes({ nodes: 2, hasPrimary: true })).toEqual([
      'random-halves',
      'isolate-one',
      'one-way',
      'client-replies',
    ]);
    expect(defaultPartitionModes({ nodes: 1, hasPrimary: false })).toEqual(['client-replies']);
    expect(resolveConfig({ system: 'raft', nodes: 2, seed: 1 }).config.partitionModes).not.toContain(
      'majority-ring',
    );
    expect(() =>
      resolveConfig({ system: 'raft', nodes: 2, seed: 1, partitionModes: ['bridge' as PartitionMode] }),
    ).toThrow(/partition mode bridge cannot apply to raft: it needs at least 3 nodes, the cluster has 2/);
    // Without the partition nemesis the shapes do not matter.
    expect(() =>
      resolveConfig({ system: 'raft', nodes: 2, seed: 1, nemesis: ['kill'], partitionModes: ['bridge'] }),
    ).not.toThrow();
  });

  it('each fault lasts its drawn duration, the last one included; none starts at or after the time limit', () => {
    let checked = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const timeLimitS = 5;
      const durationMs = 1200;
      const { faults, ops } = faultsOf({
        system: 'raft',
        workload: 'register',
        nemesis: ['partition', 'kill', 'pause', 'clock'],
        seed,
        timeLimitS,
        nemesisIntervalMs: 800,
        nemesisDurationMs: durationMs,
      });
      for (const f of faults) {
        expect(f.startNs).toBeLessThan(timeLimitS * 1e9);
        // Drawn uniformly in [0.5, 1.5] × the mean: never cut short by the time limit.
        expect(f.stopNs - f.startNs).toBeGreaterThanOrEqual(0.5 * durationMs * 1e6 - 1);
        expect(f.stopNs - f.startNs).toBeLessThanOrEqual(1.5 * durationMs * 1e6 + 1);
        checked++;
      }
      // The final reads come after the last fault has stopped and the recovery time has passed.
      const lastStop = Math.max(...faults.map((f) => f.stopNs));
      const lastNemesis = ops.filter((o) => o.process === 'nemesis').at(-1)!;
      expect(lastNemesis.time).toBe(lastStop);
      const finalReads = ops.filter(
        (o) => o.process !== 'nemesis' && o.time > lastStop && o.type === 'invoke',
      );
      expect(finalReads.length).toBeGreaterThan(0);
      for (const o of finalReads) expect(o.time).toBeGreaterThanOrEqual(lastStop + 3000 * 1e6);
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('a crash or pause with no healthy node left is skipped and counted; run output says how many faults took effect', () => {
    const { ops, summary } = faultsOf({
      system: 'single-register',
      workload: 'register',
      nemesis: ['kill', 'pause', 'disk'],
      nodes: 1,
      seed: 3,
      timeLimitS: 10,
      nemesisIntervalMs: 200,
      nemesisDurationMs: 600,
    });
    const starts = ops.filter(
      (o) => o.process === 'nemesis' && o.type === 'info' && o.f?.startsWith('start-') === true,
    );
    expect(summary.faults.total).toBe(starts.length);
    expect(summary.faults.skipped).toBeGreaterThan(0);
    for (const s of starts) expect((s.value as { nodes: string[] }).nodes).toEqual(['n1']);
    const perKind = Object.values(summary.faults.took).reduce((a, b) => a + (b ?? 0), 0);
    expect(perKind).toBe(summary.faults.total);
  });
});
