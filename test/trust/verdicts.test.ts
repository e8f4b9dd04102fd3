/**
 * Verdicts to trust: each shape that once gave a false `valid` (or was
 * refused before any checker ran) now gives the right verdict or a FILE:LINE
 * error. Fixtures: test/fixtures/trust/, small hand-made files named after the case.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ETCD_DIR, REPO_ROOT } from '../helpers/paths.js';

const FIX = join(REPO_ROOT, 'test', 'fixtures', 'trust');
const fx = (name: string) => join(FIX, name);
const tmp = mkdtempSync(join(tmpdir(), 'trust-'));

const lin = (file: string, model = 'register', ...more: string[]) =>
  runCli(['check', file, '--checker', 'linearizable', '--model', model, ...more]);
const elle = (file: string, ...more: string[]) =>
  runCli(['check', file, '--checker', 'elle-list-append', ...more]);

describe('values are never coerced on the way in', () => {
  it('integers above 2^53: a write of 9007199254740993 read as 9007199254740992 is INVALID (EDN and JSONL)', async () => {
    for (const f of ['bigint-write-read.edn', 'bigint-write-read.jsonl']) {
      const r = await lin(fx(f));
      expect(r.code, f).toBe(1);
      expect(r.stdout).toContain('INVALID');
      expect(r.stdout).toContain('9007199254740992');
    }
  });

  it('EDN types that differ under Clojure = are told apart: write one, read the other → INVALID', async () => {
    for (const f of [
      'keyword-vs-string.edn',
      'keyword-vs-symbol.edn',
      'string-vs-char.edn',
      'int-vs-double.edn',
      'set-vs-vector.edn',
      'ratio-vs-double.edn',
      'inst-vs-string.edn',
    ]) {
      const r = await lin(fx(f));
      expect(r.code, f).toBe(1);
      expect(r.stdout, f).toContain('INVALID');
    }
    // …and a list equals a vector with the same elements, as in Clojure.
    const same = await lin(fx('list-equals-vector.edn'));
    expect(same.code).toBe(0);
  });

  it('convert keeps every distinction: EDN → JSONL → EDN is the same text, and the JSONL still checks INVALID', async () => {
    for (const f of [
      'keyword-vs-string.edn',
      'int-vs-double.edn',
      'set-vs-vector.edn',
      'ratio-vs-double.edn',
      'inst-vs-string.edn',
      'bigint-write-read.edn',
    ]) {
      const toJsonl = await runCli(['convert', fx(f), '--to', 'jsonl']);
      expect(toJsonl.code).toBe(0);
      const jsonl = join(tmp, f.replace('.edn', '.jsonl'));
      writeFileSync(jsonl, toJsonl.stdout);
      expect((await lin(jsonl)).code, f).toBe(1);
      const back = await runCli(['convert', jsonl, '--to', 'edn']);
      const original = await runCli(['convert', fx(f), '--to', 'edn']);
      expect(back.stdout).toBe(original.stdout);
    }
    const sets = await runCli(['convert', fx('set-vs-vector.edn'), '--to', 'jsonl']);
    expect(sets.stdout).toContain('"value":{"$set":[1,2]}');
  });

  it('bytes that are not UTF-8 are refused with FILE:LINE, never replaced (write "\\xff", read "\\xfe")', async () => {
    const f = join(tmp, 'not-utf8.jsonl');
    const line = (i: number, type: string, p: number, fn: string, v: Buffer) =>
      Buffer.concat([
        Buffer.from(`{"index":${i},"type":"${type}","process":${p},"f":"${fn}","value":"`),
        v,
        Buffer.from('"}\n'),
      ]);
    writeFileSync(
      f,
      Buffer.concat([
        line(0, 'invoke', 0, 'write', Buffer.from([0xff])),
        line(1, 'ok', 0, 'write', Buffer.from([0xff])),
        line(2, 'invoke', 1, 'read', Buffer.from('')),
        line(3, 'ok', 1, 'read', Buffer.from([0xfe])),
      ]),
    );
    const r = await lin(f);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain(`${f}:1: not UTF-8: byte 0xff`);
  });

  it('a __proto__ field stays a field: not merged into the op, kept through convert', async () => {
    const edn = await runCli(['convert', fx('proto-field.jsonl'), '--to', 'edn']);
    expect(edn.code).toBe(0);
    expect(edn.stdout).toBe(
      '{:index 0, :time 0, :type :invoke, :process 0, :f :read, :value nil, :__proto__ {"f" "write", "polluted" true}}\n',
    );
    const jsonl = await runCli(['convert', fx('proto-field.jsonl'), '--to', 'jsonl']);
    expect(jsonl.stdout).toBe(readFileSync(fx('proto-field.jsonl'), 'utf8'));
  });
});

describe('nothing read is never valid', () => {
  it('an empty file or only whitespace: unknown (exit 2), for every checker', async () => {
    for (const f of ['empty.jsonl', 'whitespace.edn']) {
      const a = await lin(fx(f));
      expect(a.code, f).toBe(2);
      expect(a.stdout).toContain('unknown');
      const b = await elle(fx(f));
      expect(b.code, f).toBe(2);
    }
  });

  it('a forced format that reads nothing is an error', async () => {
    const r = await lin(fx('bigint-write-read.jsonl'), 'register', '--format', 'jepsen-log');
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('read no operations as jepsen-log');
  });

  it('a line that looks like an op event but cannot be read is an error with its line, never skipped', async () => {
    const r = await lin(fx('unreadable-op-line.log'));
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/unreadable-op-line\.log:2: bad EDN in op event/);
  });
});

describe('every Jepsen console-log dialect reads', () => {
  it('the modern layout (logback: DATE{GMT}\\tINFO\\t[jepsen worker 0] jepsen.util: …) is detected and read', async () => {
    const r = await lin(fx('modern-log-stale-read.log'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('INVALID');
    const v = await runCli(['validate', fx('modern-log-stale-read.log')]);
    expect(v.stdout).toContain('6 operations');
  });

  it('old log4j, logback and unilog lines in one log are all read (none dropped)', async () => {
    const v = await runCli(['validate', fx('mixed-dialects-stale-read.log')]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('6 operations');
    const r = await lin(fx('mixed-dialects-stale-read.log'));
    expect(r.code).toBe(1);
    const j = await runCli(['convert', fx('mixed-dialects-stale-read.log'), '--to', 'jsonl']);
    expect(j.stdout.trim().split('\n').at(-1)).toBe(
      '{"index":5,"time":5,"type":"fail","process":2,"f":"read","value":null,"error":{"$kw":"timed-out"}}',
    );
  });

  it('the old layout of the shared etcd logs still reads the same', async () => {
    const r = await runCli(['validate', ETCD_DIR]);
    expect(r.code).toBe(0);
  });
});

describe('history shapes real tools write', () => {
  it('times taken on many threads (out of order across processes) are a warning, not a refusal', async () => {
    const r = await lin(fx('times-across-threads.edn'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/times-across-threads\.edn:2: warning: time 900 goes back/);
    const strict = await runCli(['validate', '--strict', fx('times-across-threads.edn')]);
    expect(strict.code).toBe(254);
  });

  it("Knossos' files: a top-level list, no :time, a register starting at 0 (--initial-value 0)", async () => {
    const nil = await lin(fx('cas-register-initial-0.edn'), 'cas-register');
    expect(nil.code).toBe(1);
    const zero = await lin(fx('cas-register-initial-0.edn'), 'cas-register', '--initial-value', '0');
    expect(zero.code).toBe(0);
    expect(zero.stdout).toContain('linearizable: 2 operations');
    const bad = await lin(fx('cas-register-initial-0.edn'), 'mutex', '--initial-value', '0');
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain('--initial-value: model mutex takes no initial value');
    const notEdn = await lin(fx('cas-register-initial-0.edn'), 'register', '--initial-value', '[1');
    expect(notEdn.code).toBe(254);
    expect(notEdn.stderr).toContain('--initial-value: not an EDN value');
    const elleFlag = await elle(fx('read-skew-no-f.edn'), '--initial-value', '0');
    expect(elleFlag.stderr).toContain('--initial-value: only the linearizable checker takes it');
  });

  it("Knossos' multi-register: a torn read of a txn is INVALID, with or without initial values", async () => {
    const r = await lin(fx('multi-register-torn-read.edn'), 'multi-register');
    expect(r.code).toBe(1);
    const zero = await lin(
      fx('multi-register-torn-read.edn'),
      'multi-register',
      '--initial-value',
      '{:x 0 :y 0}',
    );
    expect(zero.code).toBe(1);
  });

  it('Elle: ops without :f, completions only — read skew is not repeatable-read', async () => {
    const r = await elle(fx('read-skew-no-f.edn'), '--consistency-models', 'repeatable-read');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('G-single-item (1); not consistent-view, repeatable-read');
  });

  it('Elle judges two transactions in flight on one process (G1c); the linearizable checker refuses that shape', async () => {
    const r = await elle(fx('overlapping-per-process-g1c.edn'), '--consistency-models', 'read-committed');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('G1c (1)');
    const overlap = join(tmp, 'overlap.edn');
    writeFileSync(
      overlap,
      '{:type :invoke, :process 0, :f :read, :value nil}\n{:type :invoke, :process 0, :f :write, :value 1}\n',
    );
    const l = await lin(overlap);
    expect(l.code).toBe(254);
    expect(l.stderr).toContain('needs one operation at a time per process');
    const completions = join(tmp, 'completions.edn');
    writeFileSync(completions, '{:type :ok, :process 0, :f :read, :value 1}\n');
    expect((await lin(completions)).stderr).toContain("needs every operation's invocation");
  });

  it('Elle: nothing committed is unknown (empty-transaction-graph)', async () => {
    const r = await elle(fx('nothing-committed.edn'), '--consistency-models', 'serializable');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('empty-transaction-graph');
  });

  it("Elle's model names (update-atomic, PL-2.99, …) and --anomalies", async () => {
    const ua = await elle(fx('read-skew-no-f.edn'), '--consistency-models', 'update-atomic');
    expect(ua.code).toBe(0);
    const rr = await elle(fx('read-skew-no-f.edn'), '--consistency-models', 'PL-2.99');
    expect(rr.code).toBe(1);
    const g2 = await elle(fx('read-skew-no-f.edn'), '--consistency-models', 'none', '--anomalies', 'G2');
    expect(g2.code).toBe(1);
    const g1 = await elle(fx('read-skew-no-f.edn'), '--consistency-models', 'none', '--anomalies', 'G1');
    expect(g1.code).toBe(0);
    const bad = await elle(fx('read-skew-no-f.edn'), '--anomalies', 'G-nope');
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain("--anomalies: unknown value 'G-nope'");
  });
});

describe('hostile input: bounded depth, short messages', () => {
  it('EDN nested 5,000 deep and JSONL nested 3,000 deep are refused naming the limit (no stack overflow)', async () => {
    const edn = join(tmp, 'deep.edn');
    writeFileSync(
      edn,
      `{:type :invoke, :process 0, :f :read, :value ${'['.repeat(5000)}${']'.repeat(5000)}}\n`,
    );
    const jsonl = join(tmp, 'deep.jsonl');
    writeFileSync(
      jsonl,
      `{"type":"invoke","process":0,"f":"read","value":${'['.repeat(3000)}${']'.repeat(3000)}}\n`,
    );
    for (const f of [edn, jsonl]) {
      for (const cmd of [
        ['validate', f],
        ['convert', f, '--to', 'edn'],
        ['check', f, '--checker', 'linearizable', '--model', 'register'],
      ]) {
        const r = await runCli(cmd);
        expect(r.code, cmd.join(' ')).toBe(254);
        expect(r.stdout + r.stderr).toMatch(/:1: .*nested deeper than 1000 levels/);
        expect(r.stdout + r.stderr).not.toMatch(/RangeError|Maximum call stack/);
      }
    }
    // Within the limit, convert writes it back (EDN → JSONL → EDN).
    const ok = join(tmp, 'deep-ok.edn');
    const value = `${'['.repeat(900)}1${']'.repeat(900)}`;
    writeFileSync(ok, `{:index 0, :time 0, :type :invoke, :process 0, :f :read, :value ${value}}\n`);
    const j = await runCli(['convert', ok, '--to', 'jsonl']);
    expect(j.code).toBe(0);
    const back = join(tmp, 'deep-ok.jsonl');
    writeFileSync(back, j.stdout);
    expect((await runCli(['convert', back, '--to', 'edn'])).stdout).toContain(value);
  });

  it('a huge token is quoted by excerpt, quickly', async () => {
    const f = join(tmp, 'huge.edn');
    writeFileSync(f, `{${'a'.repeat(20_000_000)}`);
    const t0 = Date.now();
    const r = await runCli(['validate', f]);
    expect(r.code).toBe(254);
    expect(r.stdout.length).toBeLessThan(300);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe('the verdict survives a closed pipe', () => {
  it('faultline check INVALID | (reader gone) exits 1, not 0', () => {
    const bin = join(REPO_ROOT, 'bin', 'faultline.js');
    for (const reader of ['true', 'head -c 1']) {
      const r = spawnSync(
        'bash',
        [
          '-c',
          `set -o pipefail; node ${bin} check ${join(ETCD_DIR, 'etcd_000.log')} --checker linearizable --model cas-register | ${reader} >/dev/null`,
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, reader).toBe(1);
      expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
    }
  });
});
