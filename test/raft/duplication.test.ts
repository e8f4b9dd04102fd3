import { describe, expect, it } from 'vitest';
import { MemoryHistorySink } from '../../src/runner/recorder.js';
import { simulate } from '../../src/runner/simulate.js';

/** Raft messages sent per recorded op, for a register run with the given duplication probability. */
function messagesPerOp(duplicateProbability: number): number {
  const s = simulate(
    {
      system: 'raft',
      workload: 'register',
      nemesis: [],
      seed: 3,
      rateOpsPerS: 200,
      concurrency: 20,
      timeLimitS: 20,
      network: { duplicateProbability },
    },
    { history: new MemoryHistorySink() },
  );
  return s.network.sent / s.opCount;
}

describe('raft replication under message duplication', () => {
  it('a duplicated AppendEntries or answer does not start a second stream of sends', () => {
    // Before: every answer, duplicates included, freed the peer's in-flight slot, so each
    // duplicate started one more stream; 30% duplication cost 1.75x the messages per op,
    // and at 1000 clients on 9 nodes the streams multiplied until V8 ran out of memory.
    const clean = messagesPerOp(0);
    const duplicated = messagesPerOp(0.3);
    // 30% of messages arrive twice; the duplicates are counted as sent, nothing else should grow.
    expect(duplicated / clean).toBeLessThan(1.3);
  });
});
