import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { resolveConfig } from '../../src/runner/config.js';
import { loadRegression } from '../../src/search/regression.js';
import { shardSeeds } from '../../src/search/search.js';
import { drawSwarmConfig } from '../../src/search/swarm.js';
import type { SearchSummary } from '../../src/search/types.js';
import { runCli } from '../helpers/cli.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'faultline-search-'));
}

/** A knob found on the first seeds when its mix is fixed on the command line (systems/raft/bug-mixes.ts). */
const NO_TRUNCATE = [
  '--system',
  'raft',
  '--bug',
  'no-truncate',
  '--workload',
  'list-append',
  '--nemesis',
  'partition,kill',
  '--partition-modes',
  'isolate-primary',
  '--rate',
  '200',
  '--concurrency',
  '10',
  '--nemesis-interval',
  '300',
  '--nemesis-duration',
  '1000',
  '--time-limit',
  '8',
];

describe('faultline search', () => {
  it('--stop-on-first --save on a bug knob; replay of the saved file gives the same history hash; a hand-edited hash makes replay exit 1 naming determinism', async () => {
    const dir = tmp();
    const save = join(dir, 'regressions');
    const r = await runCli([
      'search',
      ...NO_TRUNCATE,
      '--seeds',
      '1..6',
      '--stop-on-first',
      '--save',
      save,
      '--workers',
      '1',
      '--shrink-time',
      '20',
      '--store',
      join(dir, 'store'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(EXIT.invalid);
    const summary = JSON.parse(r.stdout) as SearchSummary;
    expect(summary.failures).toHaveLength(1);
    const f = summary.failures[0];
    expect(f.replay).toContain(`--seed ${f.seed}`);
    expect(f.shrunk!.opsAfter).toBeLessThan(f.shrunk!.opsBefore);
    const file = f.saved!;
    const saved = loadRegression(file);
    expect(saved).toMatchObject({ system: 'raft', bugs: ['no-truncate'], workload: 'list-append' });
    expect(saved.expected.valid).toBe(false);
    expect(saved.expected.anomaly).toBe(f.shrunk!.anomaly);
    expect(saved.expected.historySha256).toBe(f.shrunk!.historySha256);
    expect(saved.schedule!.main.length).toBe(f.shrunk!.opsAfter - saved.schedule!.final.length);

    const again = await runCli(['replay', file, '--json']);
    expect(again.code).toBe(EXIT.valid);
    const replayed = JSON.parse(again.stdout);
    expect(replayed.actual.historySha256).toBe(saved.expected.historySha256);
    expect(replayed.ok).toBe(true);

    const edited = join(dir, 'edited.json');
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.expected.historySha256 = `${'0'.repeat(63)}1`;
    writeFileSync(edited, JSON.stringify(data));
    const broken = await runCli(['replay', edited]);
    expect(broken.code).toBe(EXIT.invalid);
    expect(broken.stdout).toMatch(/history hash changed .*determinism broke/);
    expect(broken.stdout).not.toMatch(/verdict changed/);
  }, 120_000);

  it("each seed's drawn configuration is printed and its replay command gives the same history byte for byte", async () => {
    const dir = tmp();
    const r = await runCli([
      'search',
      '--seeds',
      '1..4',
      '--collect',
      'all',
      '--no-shrink',
      '--workers',
      '0',
      '--store',
      dir,
      '--json',
    ]);
    const summary = JSON.parse(r.stdout) as SearchSummary;
    expect(summary.failures.length).toBeGreaterThan(0);
    for (const f of summary.failures.slice(0, 2)) {
      // The drawn values are all in the saved configuration and in the replay command.
      expect(f.config).toEqual(resolveConfig(drawSwarmConfig(f.seed, { system: 'lww-register' })).config);
      const args = f.replay.replace(/^npx faultline /, '').split(' ');
      const run = await runCli([...args, '--store', join(dir, 'replays'), '--json']);
      expect(run.code).toBe(EXIT.invalid);
      expect(JSON.parse(run.stdout).historySha256).toBe(f.historySha256);
    }
  }, 120_000);

  it('what the user sets stays fixed; the rest is drawn from the seed, the same way every time', () => {
    const a = drawSwarmConfig(7, { system: 'raft' });
    expect(drawSwarmConfig(7, { system: 'raft' })).toEqual(a);
    const seen = { workload: new Set<unknown>(), nodes: new Set<unknown>(), nemesis: new Set<string>() };
    for (let seed = 1; seed <= 60; seed++) {
      const c = drawSwarmConfig(seed, { system: 'raft', workload: 'register', nodes: 5, rateOpsPerS: 42 });
      expect(c).toMatchObject({ workload: 'register', nodes: 5, rateOpsPerS: 42 });
      resolveConfig(c); // every drawn configuration is a valid run
      const free = drawSwarmConfig(seed, { system: 'raft' });
      seen.workload.add(free.workload);
      seen.nodes.add(free.nodes);
      seen.nemesis.add(free.nemesis!.join(','));
      // Fixing a dimension does not reshuffle the others.
      expect(c.nemesisIntervalMs).toBe(free.nemesisIntervalMs);
      expect(c.clientTimeoutMs).toBe(free.clientTimeoutMs);
    }
    expect(seen.workload.size).toBe(3);
    expect(seen.nodes.size).toBeGreaterThan(1);
    expect(seen.nemesis.size).toBeGreaterThan(10);
    // A system without a leader never draws isolate-primary; one-node systems draw no ring.
    for (let seed = 1; seed <= 60; seed++) {
      const c = resolveConfig(drawSwarmConfig(seed, { system: 'lww-register' })).config;
      expect(c.partitionModes).not.toContain('isolate-primary');
    }
  });

  it('shards split the seeds deterministically; --merge of the shards equals the whole search', async () => {
    const range = { from: 3, to: 20 };
    const shards = [1, 2, 3].map((index) => shardSeeds(range, { index, count: 3 }));
    expect(shards.flat().sort((a, b) => a - b)).toEqual(shardSeeds(range));
    expect(new Set(shards.flat()).size).toBe(18);

    const dir = tmp();
    const base = ['search', '--seeds', '1..6', '--collect', 'all', '--no-shrink', '--workers', '0', '--json'];
    const whole = JSON.parse((await runCli([...base, '--store', join(dir, 'w')])).stdout) as SearchSummary;
    const files: string[] = [];
    for (const k of [1, 2]) {
      const out = await runCli([...base, '--shard', `${k}/2`, '--store', join(dir, `s${k}`)]);
      const file = join(dir, `shard-${k}.json`);
      writeFileSync(file, out.stdout);
      files.push(file);
    }
    const merged = await runCli(['search', '--merge', ...files, '--json']);
    const m = JSON.parse(merged.stdout) as SearchSummary;
    expect(merged.code).toBe(whole.failures.length > 0 ? EXIT.invalid : EXIT.valid);
    expect(m.seeds.map((s) => [s.seed, s.valid])).toEqual(whole.seeds.map((s) => [s.seed, s.valid]));
    expect(m.failures.map((f) => [f.seed, f.anomaly, f.historySha256])).toEqual(
      whole.failures.map((f) => [f.seed, f.anomaly, f.historySha256]),
    );
    const text = await runCli(['search', '--merge', files[0]]);
    expect(text.stdout).toMatch(/shard 2\/2 missing/);
    const twice = await runCli(['search', '--merge', files[0], files[0]]);
    expect(twice.code).toBe(EXIT.badArguments);
    expect(twice.stderr).toMatch(/both shard 1\/2/);
  }, 120_000);

  it('exit 0 when no seed fails, 2 when some are unknown and none failed', async () => {
    const dir = tmp();
    const ok = await runCli([
      'search',
      '--system',
      'raft',
      '--seeds',
      '1..2',
      '--time-limit',
      '3',
      '--workers',
      '0',
      '--store',
      dir,
    ]);
    expect(ok.code, ok.stdout).toBe(EXIT.valid);
    expect(ok.stdout).toMatch(/no failure found/);
    // A checker budget of 1 µs cannot be met: unknown, listed, and the search goes on to the next seed.
    const unknown = await runCli([
      'search',
      '--system',
      'raft',
      '--seeds',
      '1..2',
      '--time-limit',
      '3',
      '--workers',
      '0',
      '--check-time-limit',
      '0.000001',
      '--store',
      dir,
      '--json',
    ]);
    const s = JSON.parse(unknown.stdout) as SearchSummary;
    expect(unknown.code).toBe(EXIT.unknown);
    expect(s.counts).toMatchObject({ seeds: 2, unknown: 2, invalid: 0 });
    expect(s.unknown.map((u) => u.seed)).toEqual([1, 2]);
    expect(s.unknown[0].replay).toContain('--seed 1');
  }, 120_000);

  it.each([
    [['search', '--seeds', '5..1'], /--seeds: expected A..B with A <= B/],
    [['search', '--shard', '3/2'], /--shard: k must be in 1..n/],
    [['search', '--collect', '0'], /--collect: must be at least 1/],
    [['search', '--stop-on-first', '--collect', '2'], /give one of them/],
    [['search', '--system', 'raft', '--bug', 'nope'], /--bug \(system raft\): unknown value 'nope'/],
    [
      ['search', '--system', 'lww-register', '--partition-modes', 'isolate-primary'],
      /isolate-primary cannot apply to lww-register/,
    ],
    [['search', '--merge', '/nonexistent.json'], /--merge: \/nonexistent.json: cannot read/],
  ])('bad flags exit 254 naming the flag: %j', async (args, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(EXIT.badArguments);
    expect(r.stderr).toMatch(message as RegExp);
  });
});
