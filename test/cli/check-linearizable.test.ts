/**
 * `faultline check` with the linearizable checker: `--no-split` (a keyed
 * history checked as one object), and the witness, minimised for the JSON
 * result only (the plain verdict lines never show it).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { KV_DIR } from '../helpers/paths.js';

const check = (file: string, ...extra: string[]) =>
  runCli(['check', join(KV_DIR, file), '--checker', 'linearizable', '--model', 'kv-append', ...extra]);

describe('faultline check --no-split', () => {
  it('checks the keys as one object: one part, same verdict', async () => {
    const split = await check('c01-ok.txt', '--json');
    const whole = await check('c01-ok.txt', '--json', '--no-split');
    expect(split.code).toBe(0);
    expect(whole.code).toBe(0);
    expect(JSON.parse(split.stdout).partitions).toBe(10);
    const r = JSON.parse(whole.stdout);
    expect(r.partitions).toBe(1);
    expect(r.valid).toBe(true);
    expect(r.operations).toBe(JSON.parse(split.stdout).operations);
  });

  it('finds the same violation in one object (exit 1), and says so in plain text', async () => {
    const r = await check('c10-bad.txt', '--no-split');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('\tINVALID\tnot linearizable: ');
    expect(r.stdout).not.toContain('on key');
    const split = await check('c10-bad.txt');
    expect(split.stdout).toContain('on key');
  });

  it('names a few of the states the search ended in on the verdict line, and all of them in --json', async () => {
    const r = await check('c10-bad.txt', '--no-split');
    const states = /any of the states (.*), … \((\d+)\+? states in all\), and from there/.exec(r.stdout);
    expect(states).not.toBeNull();
    const total = Number(states![2]);
    expect(total).toBeGreaterThan(4);
    // Each state is a map of ten keys, {0 "…", …}: four of them are named.
    expect(states![1].match(/\{0 /g)).toHaveLength(4);
    expect(r.stdout.length).toBeLessThan(2000);
    const json = JSON.parse((await check('c10-bad.txt', '--no-split', '--json')).stdout);
    expect(json.failure.statesBeforeDescribed).toHaveLength(total);
  });

  it('belongs to the linearizable checker only', async () => {
    const r = await runCli([
      'check',
      join(KV_DIR, 'c01-ok.txt'),
      '--checker',
      'elle-list-append',
      '--no-split',
    ]);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe(
      'faultline: --no-split: only the linearizable checker takes it, not elle-list-append\n',
    );
  });
});

describe('faultline check: the witness', () => {
  it('is in the JSON result, minimised', async () => {
    const r = await check('c10-bad.txt', '--json');
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.witness.operations).toBeGreaterThan(0);
    expect(result.witness.operations).toBeLessThan(result.witness.reducedFrom);
    expect(result.summary).toMatch(/; a witness of \d+ operations? is in the result$/);
  });

  it('is not worked out for the plain verdict lines, which could not show it', async () => {
    const r = await check('c10-bad.txt');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /\tINVALID\tnot linearizable: get key "7" → "" by process 8 .* whatever the concurrent operations do\n$/,
    );
    expect(r.stdout).not.toContain('witness');
  });
});
