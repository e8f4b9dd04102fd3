import { replayRegressions, simulate } from 'faultline/vitest';
import { it } from 'vitest';

// Every saved scenario re-runs and must give the verdict and the history it saved.
replayRegressions('regressions');

it('my-counter stays linearizable over 50 seeds of faults', async () => {
  // The module path (not an import): the failure's replay commands then work from the shell.
  await simulate({ system: './src/counter.ts', seeds: 50, timeLimitS: 10, shrinkTimeMs: 20_000 });
});
