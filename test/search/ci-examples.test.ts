import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SearchSummary } from '../../src/search/types.js';
import { runCli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * examples/ci holds a GitHub Actions matrix and a Kubernetes Indexed Job.
 * Neither can run here, so this runs the commands they hold, as written
 * (only the seed range made small and the paths moved to a scratch
 * directory), shard by shard, and merges the shards' output as their merge
 * steps do.
 */
const read = (f: string) => readFileSync(join(REPO_ROOT, 'examples', 'ci', f), 'utf8');

/** `npx faultline search …` up to the redirection, as argv, with `--seeds A..B` made small. */
function searchArgs(line: string, shard: string): string[] {
  const cmd = line.slice(line.indexOf('npx faultline search') + 'npx faultline '.length).split(' > ')[0];
  return cmd
    .replace(/--shard (\$\{\{ matrix\.shard \}\}|\S+)\/\d+/, `--shard ${shard}`)
    .replace(/--seeds \S+/, '--seeds 1..8 --time-limit 5')
    .replace(/--system raft/, '--system lww-register')
    .trim()
    .split(/\s+/);
}

async function runShards(argsFor: (k: number) => string[], dir: string): Promise<string[]> {
  const files: string[] = [];
  for (let k = 1; k <= 4; k++) {
    const r = await runCli([...argsFor(k), '--no-shrink', '--workers', '0']);
    expect([0, 1, 2], r.stderr).toContain(r.code);
    const file = join(dir, `shard-${k}.json`);
    writeFileSync(file, r.stdout);
    files.push(file);
  }
  return files;
}

describe('examples/ci', () => {
  it('GitHub Actions: a 4-shard matrix whose search and merge commands work as written', async () => {
    const yml = read('github-actions.yml');
    expect(yml).toMatch(/matrix:\s*\n\s*shard: \[1, 2, 3, 4\]/);
    expect(yml).toMatch(/npx faultline replay regressions/);
    const line = yml.split('\n').find((l) => l.includes('npx faultline search --system'))!;
    // GitHub's expression syntax, not a template literal.
    expect(line).toContain(['--shard $', '{{ matrix.shard }}/4'].join(''));
    const dir = mkdtempSync(join(tmpdir(), 'faultline-gha-'));
    const files = await runShards(
      (k) => searchArgs(line, `${k}/4`).map((a) => (a === 'found' ? join(dir, 'found') : a)),
      dir,
    );
    const mergeLine = yml.split('\n').find((l) => l.includes('npx faultline search --merge'))!;
    const mergeFiles = mergeLine.split(' ').filter((w) => w.startsWith('shards/'));
    expect(mergeFiles).toEqual(
      ['shard-1.json', 'shard-2.json', 'shard-3.json', 'shard-4.json'].map((f) => `shards/${f}`),
    );
    const merged = await runCli(['search', '--merge', ...files, '--json']);
    const m = JSON.parse(merged.stdout) as SearchSummary;
    expect(m.counts.seeds).toBe(8);
    expect(m.seeds.map((s) => s.seed)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(merged.code).toBe(m.failures.length > 0 ? 1 : m.counts.unknown > 0 ? 2 : 0);
  }, 180_000);

  it('Kubernetes: an Indexed Job whose JOB_COMPLETION_INDEX becomes --shard k/4, and a merge of the four', async () => {
    const yml = read('kubernetes-indexed-job.yml');
    expect(yml).toMatch(/completionMode: Indexed/);
    expect(yml).toMatch(/completions: 4/);
    expect(yml).toMatch(/k=\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/);
    const line = yml.split('\n').find((l) => l.includes('npx faultline search --system'))!;
    expect(line).toContain('--shard $k/4');
    const dir = mkdtempSync(join(tmpdir(), 'faultline-k8s-'));
    // Kubernetes gives the pods JOB_COMPLETION_INDEX 0..3.
    const files = await runShards((k) => {
      const index = k - 1;
      return searchArgs(line.replaceAll('$k', String(index + 1)), `${index + 1}/4`).map((a) =>
        a.startsWith('/results/') ? join(dir, a.slice('/results/'.length)) : a,
      );
    }, dir);
    const merged = await runCli(['search', '--merge', ...files]);
    expect(merged.stdout).toMatch(/merged from 4 files/);
    expect(merged.stdout).not.toMatch(/missing/);
  }, 180_000);
});
