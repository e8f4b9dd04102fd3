import { describe, expect, it } from 'vitest';
import { runBin } from '../helpers/cli.js';
import { processesMentioning, REAL_DB, tempStore } from './helpers.js';

/**
 * A real run as a user starts one: the installed `faultline` (bin/faultline.js over dist/bundle),
 * not the sources. The bundle once carried etcd3 inside it, whose gRPC looks for its .proto files
 * beside its own modules, and the run command named the checker through the simulated systems'
 * registry: both crashed every real run from the command line, and only here would it show.
 */
describe.skipIf(!REAL_DB)('faultline run --system postgres|etcd|redis from the installed CLI (real)', () => {
  const runs: [string, string[]][] = [
    ['postgres', ['--workload', 'list-append']],
    ['etcd', ['--workload', 'register']],
    ['redis', ['--workload', 'register']],
  ];
  for (const [system, flags] of runs) {
    it(`${system}: a short run under partitions ends with a verdict, and leaves no process behind`, () => {
      const store = tempStore();
      const r = runBin(
        [
          'run',
          '--system',
          system,
          ...flags,
          '--nemesis',
          'partition',
          '--time-limit',
          '4',
          '--seed',
          '1',
          '--store',
          store,
        ],
        { timeoutMs: 150_000 },
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code, r.stdout + r.stderr).toBeLessThanOrEqual(2);
      expect(r.stdout).toMatch(/real mode, runtime local: \d+ nodes? set up/);
      expect(r.stdout).toMatch(
        /checker (linearizable|elle-list-append) \([\d.]+ s\): (valid|INVALID|unknown)/,
      );
      expect(processesMentioning(store)).toEqual([]);
    }, 180_000);
  }
});
