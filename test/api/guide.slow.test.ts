import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * The guide, run as written: every command of its ```sh blocks in order, in one shell, from a fresh copy of
 * examples/my-counter with faultline installed from a packed tarball (npm install reaches the registry, so
 * this is behind FAULTLINE_SLOW). A command ending in `# exits N` must exit N; the others 0. This is also the
 * example's must-show: the suite finds the bug with a seed and a shrunk scenario, the fix makes it pass, the
 * saved regression replays.
 */
const GUIDE = join(REPO_ROOT, 'docs', 'guide-your-own-protocol.md');

interface Step {
  command: string;
  exits: number;
}

function guideSteps(): Step[] {
  const text = readFileSync(GUIDE, 'utf8');
  const steps: Step[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1].split('\n')) {
      if (line.trim() === '') continue;
      const m = /^(.*?)\s+# exits (\d+)$/.exec(line);
      steps.push(m ? { command: m[1], exits: Number(m[2]) } : { command: line, exits: 0 });
    }
  }
  return steps;
}

describe.skipIf(process.env.FAULTLINE_SLOW !== '1')('the guide, step by step (FAULTLINE_SLOW)', () => {
  it('every command runs as the guide says, from a fresh copy of examples/my-counter', () => {
    const steps = guideSteps();
    expect(steps.length).toBeGreaterThan(8);
    // One stream, stdout and stderr interleaved as a terminal shows them (vitest reports failures on stderr).
    const script = `exec 2>&1\n${steps
      .map(
        (s, i) =>
          `echo "@@step ${i}"\n${s.command}\nrc=$?\necho "@@rc ${i} $rc"\n[ "$rc" = "${s.exits}" ] || exit 100`,
      )
      .join('\n')}`;
    const work = mkdtempSync(join(tmpdir(), 'faultline-guide-'));
    const r = spawnSync('bash', ['-c', script], {
      cwd: work,
      encoding: 'utf8',
      timeout: 600_000,
      env: { ...process.env, FAULTLINE: REPO_ROOT, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' },
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out.slice(-4000)).toBe(0);
    const outputOf = (needle: string, nth = 0): string => {
      const i = steps.map((s, j) => (s.command.startsWith(needle) ? j : -1)).filter((j) => j >= 0)[nth];
      const from = r.stdout.indexOf(`@@step ${i}\n`);
      return r.stdout.slice(from, r.stdout.indexOf(`@@rc ${i} `, from));
    };
    expect(outputOf('npx faultline run')).toMatch(/INVALID — not linearizable/);
    expect(outputOf('npx faultline search')).toMatch(/INVALID seed \d+[\s\S]*shrunk: \d+ → \d+ ops/);
    expect(outputOf('npx faultline replay regressions')).toMatch(
      /^ok .*INVALID .* as expected, same history/m,
    );
    // The suite finds the bug: the seed, the anomaly, the shrunk scenario, the replay commands.
    const found = outputOf('npm test', 0);
    expect(found).toMatch(/seed: \d+/);
    expect(found).toMatch(/anomaly: my-counter-linearizable-invalid/);
    expect(found).toMatch(/shrunk scenario: store\/search-.*\.json/);
    expect(found).toContain('replay: npx faultline run --system ./src/counter.ts');
    expect(found).toMatch(/✓ .*my-counter-counter-seed-\d+/);
    // Fixed: the seeds pass; the saved scenario says the bug looks fixed until it is recorded.
    const fixed = outputOf('npm test', 1);
    expect(fixed).toMatch(/✓ .*stays linearizable over 50 seeds/);
    expect(fixed).toContain('the bug this scenario caught looks fixed');
    const passed = outputOf('npm test', 2);
    expect(passed).toMatch(/Tests +\d+ passed/);
    expect(passed).not.toMatch(/failed/);
  }, 620_000);
});
