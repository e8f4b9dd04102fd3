import { describe, expect, it } from 'vitest';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { simulate } from '../../src/runner/simulate.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { NodeContext, SystemDefinition } from '../../src/sim/types.js';

/** A system whose nodes report a counter per message and their largest message number. */
function countingSystem(kept: NodeContext[]): SystemDefinition {
  return {
    name: 'counting',
    description: 'counts messages',
    bugs: [],
    defaultNodeCount: 2,
    workloads: [],
    createNode(ctx) {
      kept.push(ctx);
      return {
        onMessage(msg) {
          ctx.metrics?.add('messages', 1);
          ctx.metrics?.max('largestMsgId', Number(msg.body.msg_id ?? 0));
        },
      };
    },
  };
}

describe('system metrics (NodeContext.metrics)', () => {
  it('sums counters and keeps maxima over every node and restart; a dead incarnation reports nothing', () => {
    const contexts: NodeContext[] = [];
    const sim = new Simulation({ seed: 1, system: countingSystem(contexts), nodeCount: 2 });
    sim.start();
    sim.run(10e6);
    // Each node got its init (msg ids 1 and 2).
    expect(sim.systemMetrics()).toEqual({ largestMsgId: 2, messages: 2 });
    const [n1Before] = contexts;
    sim.crash('n1');
    n1Before.metrics?.add('messages', 100);
    sim.restart('n1');
    sim.run(20e6);
    expect(sim.systemMetrics()).toEqual({ largestMsgId: 3, messages: 3 });
    contexts[2].metrics?.max('largestMsgId', 1);
    expect(sim.systemMetrics().largestMsgId).toBe(3);
  });

  it('reach the run summary only when a system reported some', () => {
    const quiet = simulate(
      { system: 'lww-register', workload: 'register', seed: 1, timeLimitS: 1 },
      { history: new MemoryHistorySink() },
    );
    expect(quiet.systemMetrics).toBeUndefined();
    const twopc = simulate(
      { system: 'twopc', workload: 'list-append', seed: 1, timeLimitS: 1, nemesis: [] },
      { history: new MemoryHistorySink() },
    );
    expect(twopc.systemMetrics?.txnsCommitted).toBeGreaterThan(0);
  });
});
