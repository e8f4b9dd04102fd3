import { mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runCli } from '../helpers/cli.js';

function tmpStore(): string {
  return mkdtempSync(join(tmpdir(), 'faultline-cli-'));
}

describe('faultline run (CLI)', () => {
  it('runs, stores, and exits with the verdict; a non-valid run prints the replay command', async () => {
    const store = tmpStore();
    const r = await runCli([
      'run',
      '--system',
      'lww-register',
      '--nemesis',
      'partition',
      '--seed',
      '9',
      '--time-limit',
      '3',
      '--store',
      store,
    ]);
    expect([EXIT.valid, EXIT.invalid, EXIT.unknown]).toContain(r.code);
    expect(r.stdout).toContain('seed 9');
    // How many faults took effect, per kind (every partition cuts a link).
    expect(r.stdout).toMatch(/^ {2}\d+ faults? took effect( \(partition \d+\))?$/m);
    if (r.code !== EXIT.valid) {
      expect(r.stdout).toContain(
        `replay: npx faultline run --system lww-register --workload register --nemesis partition --seed 9 --time-limit 3`,
      );
    }
    const results = JSON.parse(readFileSync(join(store, 'latest', 'results.json'), 'utf8'));
    expect(r.code).toBe(results.valid === true ? 0 : results.valid === false ? 1 : 2);
  });

  it('draws and prints a seed when none is given; --json prints one object', async () => {
    const store = tmpStore();
    const r = await runCli(['run', '--time-limit', '1', '--store', store, '--json']);
    const out = JSON.parse(r.stdout);
    expect(Number.isInteger(out.seed)).toBe(true);
    expect(out.replay).toContain(`--seed ${out.seed}`);
    const plain = await runCli(['run', '--time-limit', '1', '--store', store]);
    expect(plain.stdout).toMatch(/^seed \d+ \(drawn at random\)/);
  });

  it('--partition-modes reaches the run and its replay command', async () => {
    const store = tmpStore();
    const args = [
      'run',
      '--system',
      'raft',
      '--nemesis',
      'partition',
      '--partition-modes',
      'isolate-primary',
    ];
    const r = await runCli([...args, '--seed', '2', '--time-limit', '2', '--store', store, '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.replay).toContain('--partition-modes isolate-primary');
    const leased = await runCli([
      ...args,
      '--system-option',
      'lease',
      '--seed',
      '2',
      '--time-limit',
      '2',
      '--store',
      store,
      '--json',
    ]);
    expect(JSON.parse(leased.stdout).replay).toContain('--system-option lease');
    expect(readlinkSync(join(store, 'latest'))).toMatch(/^raft\.lease-register\//);
    const test = JSON.parse(readFileSync(join(store, 'latest', 'test.json'), 'utf8'));
    expect(test.config.partitionModes).toEqual(['isolate-primary']);
  });

  it('--loss, --duplication and --reorder set the background network faults and reach the replay', async () => {
    const store = tmpStore();
    const net = ['--loss', '0.2', '--duplication', '0.1', '--reorder', '0.1'];
    const r = await runCli(['run', ...net, '--seed', '3', '--time-limit', '3', '--store', store, '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.summary.network.lost).toBeGreaterThan(0);
    expect(out.summary.network.duplicated).toBeGreaterThan(0);
    expect(out.replay).toContain('--loss 0.2 --duplication 0.1 --reorder 0.1');
    const plain = JSON.parse(
      (await runCli(['run', '--seed', '3', '--time-limit', '3', '--store', store, '--json'])).stdout,
    );
    expect(plain.summary.network.lost).toBe(0);
    expect(plain.summary.network.duplicated).toBe(0);
  });

  it.each([
    [['run', '--system', 'nope'], /--system: unknown value 'nope'; choices: single-register, lww-register/],
    [['run', '--workload', 'ledger'], /--workload: unknown value 'ledger'; choices: register/],
    [
      ['run', '--nemesis', 'partition,meteor'],
      /--nemesis: unknown nemesis 'meteor'; choices: partition, kill, pause/,
    ],
    [
      ['run', '--partition-modes', 'isolate-primary,moon'],
      /--partition-modes: unknown partition mode 'moon'; choices: random-halves, isolate-one/,
    ],
    [['run', '--seed', 'abc'], /--seed: expected an integer, got 'abc'/],
    [['run', '--loss', '1.5'], /--loss: must be at most 1, got 1.5/],
    [['run', '--time-limit', '-1'], /--time-limit: must be at least/],
    [['run', '--concurrency', '0'], /--concurrency: must be at least 1/],
    [
      ['run', '--system', 'lww-register', '--bug', 'no-fsync'],
      /--bug \(system lww-register\): unknown value 'no-fsync'/,
    ],
    [
      ['run', '--system', 'raft', '--system-option', 'turbo'],
      /--system-option \(system raft\): unknown value 'turbo'; choices: lease/,
    ],
    [
      ['run', '--system', 'lww-register', '--system-option', 'lease'],
      /--system-option \(system lww-register\): unknown value 'lease'/,
    ],
  ])('bad flags exit 254 with a message naming the flag: %j', async (args, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(EXIT.badArguments);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('faultline systems / workloads / nemeses', () => {
  it('list one line each, with bug knobs, and --json', async () => {
    const s = await runCli(['systems']);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/^single-register\s/m);
    expect(s.stdout).toMatch(/^lww-register\s/m);
    expect(s.stdout).toContain('--bug no-fsync');
    expect(s.stdout).toContain('--system-option lease: leader-lease reads');
    const sj = JSON.parse((await runCli(['systems', '--json'])).stdout);
    expect(
      sj
        .find((x: { name: string }) => x.name === 'single-register')
        .bugs.map((b: { name: string }) => b.name),
    ).toContain('no-fsync');

    const w = await runCli(['workloads']);
    expect(w.stdout).toMatch(/^register\s.*checker: linearizable --model kv/m);
    expect(w.stdout).toMatch(/^list-append\s.*checker: elle-list-append/m);
    expect(
      JSON.parse((await runCli(['workloads', '--json'])).stdout).map((x: { name: string }) => x.name),
    ).toEqual(
      expect.arrayContaining([
        'register',
        'list-append',
        'rw-register',
        'bank',
        'consensus',
        'echo',
        'lin-kv',
      ]),
    );

    const n = await runCli(['nemeses']);
    for (const k of ['partition', 'kill', 'pause', 'clock', 'loss', 'duplication', 'disk', 'all']) {
      expect(n.stdout).toMatch(new RegExp(`^${k}\\s`, 'm'));
    }
    expect(n.stdout).toMatch(/^\* random-halves\s/m);
    expect(n.stdout).toMatch(/^ {2}isolate-primary\s/m);
    const j = JSON.parse((await runCli(['nemeses', '--json'])).stdout);
    expect(j.kinds).toHaveLength(7);
    expect(
      j.partitionModes.filter((m: { default: boolean }) => !m.default).map((m: { name: string }) => m.name),
    ).toEqual(['isolate-primary']);
  });
});
