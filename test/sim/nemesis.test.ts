import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/history/op.js';
import { NEMESIS_KINDS, parseNemesisKinds, parsePartitionModes } from '../../src/nemesis/nemesis.js';
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

  it('a system that reports no primary gets a random node cut off instead', () => {
    const sink = new MemoryHistorySink();
    simulate(
      {
        system: 'lww-register',
        workload: 'register',
        nemesis: ['partition'],
        partitionModes: ['isolate-primary'],
        seed: 4,
        timeLimitS: 5,
        nemesisIntervalMs: 500,
        nemesisDurationMs: 500,
      },
      { history: sink },
    );
    const starts = nemesisOps(sink.ops).filter((o) => o.f === 'start-partition' && o.type === 'info');
    expect(starts.length).toBeGreaterThan(0);
    for (const s of starts) expect(s.value).toMatchObject({ mode: 'isolate-primary', primary: null });
  });
});
