import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ETCD_DIR, KV_DIR, REPO_ROOT } from '../helpers/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'faultline-cli-'));

describe('faultline validate', () => {
  it('accepts all 109 real histories', async () => {
    const r = await runCli(['validate', ETCD_DIR, KV_DIR]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^109 files well-formed, \d+ operations\n$/);
  });

  it('names file and line of a completion without invocation: a warning, an error (254) with --strict', async () => {
    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(
      bad,
      '{"index":0,"time":0,"type":"invoke","process":0,"f":"read","value":null}\n{"index":1,"time":1,"type":"ok","process":1,"f":"read","value":1}\n',
    );
    const w = await runCli(['validate', bad]);
    expect(w.code).toBe(0);
    expect(w.stdout).toBe(
      `${bad}:2: warning: ok read by process 1 has no earlier invocation by that process\n1 file well-formed, 2 operations (1 warning; --strict makes them errors)\n`,
    );
    const r = await runCli(['validate', '--strict', bad]);
    expect(r.code).toBe(254);
    expect(r.stdout).toBe(
      `${bad}:2: ok read by process 1 has no earlier invocation by that process\n1 of 1 file malformed (1 problem)\n`,
    );
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a bad --format naming the choices', async () => {
    const r = await runCli(['validate', '--format', 'xml', join(ETCD_DIR, 'etcd_000.log')]);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain("--format: unknown value 'xml'; choices: jsonl, edn, jepsen-log");
  });

  it('reports a missing file without a stack trace', async () => {
    const r = await runCli(['validate', join(tmp, 'nope.jsonl')]);
    expect(r.code).toBe(254);
    expect(r.stdout).toContain('nope.jsonl: cannot read: no such file or directory');
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('faultline convert', () => {
  it('log → EDN → JSONL is byte-identical to log → JSONL', async () => {
    const log = join(ETCD_DIR, 'etcd_000.log');
    const edn = await runCli(['convert', log, '--to', 'edn']);
    expect(edn.code).toBe(0);
    const ednFile = join(tmp, 'etcd_000.edn');
    writeFileSync(ednFile, edn.stdout);
    const viaEdn = await runCli(['convert', ednFile, '--to', 'jsonl']);
    const direct = await runCli(['convert', log, '--to', 'jsonl']);
    expect(viaEdn.stdout).toBe(direct.stdout);
    expect(direct.stdout.split('\n')[0]).toBe(
      '{"index":0,"time":0,"type":"invoke","process":0,"f":"read","value":null}',
    );
  });

  it('keeps unknown fields (:key) through EDN → JSONL → EDN', async () => {
    const kv = join(KV_DIR, 'c10-ok.txt');
    const jsonl = await runCli(['convert', kv, '--to', 'jsonl']);
    const file = join(tmp, 'c10.jsonl');
    writeFileSync(file, jsonl.stdout);
    const back = await runCli(['convert', file, '--to', 'edn']);
    const again = await runCli(['convert', kv, '--to', 'edn']);
    expect(back.stdout).toBe(again.stdout);
    expect(back.stdout).toContain(':key "');
  });

  it('refuses an unknown --to', async () => {
    const r = await runCli(['convert', join(ETCD_DIR, 'etcd_000.log'), '--to', 'csv']);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain("--to: unknown value 'csv'; choices: jsonl, edn");
  });
});

describe('the faultline process', () => {
  it('stops quietly when its reader closes the pipe (`| head`)', () => {
    // bin/faultline.js runs the compiled CLI (npm ci builds it); 280 KB of EDN overflows the pipe.
    const bin = join(REPO_ROOT, 'bin', 'faultline.js');
    const r = spawnSync(
      'sh',
      ['-c', `node ${bin} convert ${join(KV_DIR, 'c50-ok.txt')} --to edn | head -1`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stdout.split('\n')[0]).toMatch(/^\{:index 0/);
    expect(r.stderr).toBe('');
  });
});

describe('faultline check', () => {
  it('refuses an unknown checker with the list of available ones', async () => {
    const r = await runCli(['check', join(ETCD_DIR, 'etcd_000.log'), '--checker', 'no-such-checker']);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/--checker: unknown checker 'no-such-checker'; choices: /);
  });

  it('a history the model cannot read is a user error (254) naming the file, not an unknown verdict', async () => {
    const file = join(KV_DIR, 'c01-ok.txt');
    const r = await runCli(['check', file, '--checker', 'linearizable', '--model', 'cas-register']);
    expect(r.code).toBe(254);
    // The op the model refuses is named by its line.
    expect(r.stderr).toContain(`${file}:1: model cas-register: unknown operation f="append"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('register version-order hints belong to elle-rw-register only', async () => {
    const file = join(ETCD_DIR, 'etcd_000.log');
    const r = await runCli([
      'check',
      file,
      '--checker',
      'linearizable',
      '--model',
      'cas-register',
      '--linearizable-keys',
    ]);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain(
      '--linearizable-keys: only the elle-rw-register checker takes it, not linearizable',
    );
  });

  it('--help lists every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['validate', 'convert', 'check', 'checkers']) expect(r.stdout).toContain(cmd);
  });
});
