import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runBin, runCli } from '../helpers/cli.js';
import { ETCD_DIR, KV_DIR } from '../helpers/paths.js';

/**
 * One consistent CLI: every mistake is one line naming what and where, the
 * right exit code and no stack trace; `--json` everywhere, errors included;
 * verdicts reached are never lost to a later error.
 */

const tmp = mkdtempSync(join(tmpdir(), 'faultline-consistency-'));
/** INVALID under cas-register (Jepsen's own verdict). */
const INVALID_ETCD = join(ETCD_DIR, 'etcd_000.log');
const CAS = ['--checker', 'linearizable', '--model', 'cas-register'];
const STACK = /\n\s+at /;

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function op(index: number, type: string, process: number, f: string, value: unknown): string {
  return JSON.stringify({ index, time: index, type, process, f, value });
}

describe('commands and help', () => {
  it('bare `faultline` is a mistake: usage on stderr, exit 254', () => {
    const r = runBin([]);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('Usage: faultline');
    expect(r.stderr).toContain('faultline: name a command');
    expect(r.stdout).toBe('');
  });

  it('`faultline NOPE --help` and `faultline help NOPE` name the unknown command, exit 254', () => {
    for (const args of [['NOPE', '--help'], ['help', 'NOPE'], ['NOPE']]) {
      const r = runBin(args);
      expect(r.code).toBe(254);
      expect(r.stderr).toContain("faultline: unknown command 'NOPE'; commands: validate, convert, check");
      expect(r.stdout).toBe('');
    }
  });

  it('--help and --version still exit 0', async () => {
    expect((await runCli(['check', '--help'])).code).toBe(0);
    expect((await runCli(['--version'])).code).toBe(0);
  });

  it('the top-level help, built without loading any command, is what the loaded commands say', async () => {
    const loaded = (await buildProgram('all')).helpInformation();
    expect((await buildProgram([])).helpInformation()).toBe(loaded);
    expect((await buildProgram(['check'])).helpInformation()).toBe(loaded);
    expect(loaded).toContain('check [options] <files...>');
    expect(loaded).toContain('replay [options] <paths...>');
  });

  it("`faultline --help` lists every command; `faultline help check` shows check's options", () => {
    const top = runBin(['--help']);
    expect(top.code).toBe(0);
    for (const name of ['validate', 'check', 'run', 'search', 'shrink', 'replay', 'nemeses'])
      expect(top.stdout).toContain(`\n  ${name} [options]`);
    const help = runBin(['help', 'check']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--checker');
  });

  it('every command takes --json', async () => {
    const commands = (await buildProgram()).commands.map((c) => c.name());
    expect(commands.length).toBeGreaterThanOrEqual(8);
    for (const cmd of commands) {
      const r = await runCli([cmd, '--help']);
      expect(r.stdout, cmd).toContain('--json');
    }
  });

  it('under --json a bad flag is a JSON object on stdout', async () => {
    const r = await runCli(['check', INVALID_ETCD, '--bogus', '--json']);
    expect(r.code).toBe(254);
    expect(jsonLines(r.stdout)).toEqual([{ error: "unknown option '--bogus'", exitCode: 254 }]);
  });

  it('a flag error under --json names the flag in a JSON object', async () => {
    const r = await runCli(['check', INVALID_ETCD, '--checker', 'nope', '--json']);
    expect(r.code).toBe(254);
    const [e] = jsonLines(r.stdout);
    expect(e.error).toMatch(/^--checker: unknown checker 'nope'; choices: /);
  });

  it('--bug on a system without bug knobs says choices: (none)', async () => {
    const r = await runCli(['run', '--system', 'lww-register', '--bug', 'stale-read']);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe(
      "faultline: --bug (system lww-register): unknown value 'stale-read'; choices: (none)\n",
    );
  });
});

describe('check: nothing lost', () => {
  it('a verdict reached is printed before an --out error (not a directory), exit 254, no stack trace', () => {
    const notADir = join(tmp, 'plain-file');
    writeFileSync(notADir, 'x');
    const out = join(notADir, 'x');
    const r = runBin(['check', INVALID_ETCD, ...CAS, '--out', out]);
    expect(r.code).toBe(254);
    expect(r.stdout).toMatch(new RegExp(`^${INVALID_ETCD}\tINVALID\tnot linearizable`));
    expect(r.stderr).toBe(
      `--out ${out}: cannot write the explanations: not a directory (or a parent of it is not)\n`,
    );
    expect(r.stdout + r.stderr).not.toMatch(STACK);
  });

  it('--out naming an existing file: "not a directory", not "already exists"', async () => {
    const file = join(tmp, 'out-is-a-file');
    writeFileSync(file, 'x');
    const r = await runCli(['check', INVALID_ETCD, ...CAS, '--out', file]);
    expect(r.code).toBe(254);
    expect(r.stdout).toMatch(/\tINVALID\t/);
    expect(r.stderr).toBe(
      `--out ${file}: cannot write the explanations: not a directory (or a parent of it is not)\n`,
    );
  });

  it('the same under --json: the verdict, then the error as an object with error and file', async () => {
    const out = join(tmp, 'plain-file', 'y');
    writeFileSync(join(tmp, 'plain-file'), 'x');
    const r = await runCli(['check', INVALID_ETCD, ...CAS, '--out', out, '--json']);
    expect(r.code).toBe(254);
    const [verdict, error] = jsonLines(r.stdout);
    expect(verdict).toMatchObject({ file: INVALID_ETCD, valid: false });
    expect(error).toMatchObject({ file: out, exitCode: 254 });
    expect(error.error).toContain('cannot write the explanations: not a directory');
  });

  it('several files: a missing one and a malformed one do not hide an INVALID; both are said, exit 254', async () => {
    const malformed = join(tmp, 'malformed.jsonl');
    writeFileSync(malformed, `${op(0, 'invoke', 0, 'read', null)}\n{"index":1,\n`);
    const missing = join(tmp, 'missing.jsonl');
    const r = await runCli(['check', missing, malformed, INVALID_ETCD, ...CAS]);
    expect(r.code).toBe(254);
    expect(r.stdout).toContain(`${INVALID_ETCD}\tINVALID`);
    expect(r.stdout).toMatch(/3 files: 0 valid, 1 INVALID, 0 unknown, 2 not checked\n$/);
    expect(r.stderr).toContain(`${missing}: no such file or directory`);
    expect(r.stderr).toMatch(new RegExp(`${malformed}:2: `));
    const j = await runCli(['check', missing, malformed, INVALID_ETCD, ...CAS, '--json']);
    const lines = jsonLines(j.stdout);
    expect(lines.map((l) => [l.file, l.line, l.valid])).toEqual([
      [missing, undefined, undefined],
      [malformed, 2, undefined],
      [INVALID_ETCD, undefined, false],
    ]);
    expect(lines[0].error).toBe(`${missing}: no such file or directory`);
  });

  it('a model error names FILE:LINE of the operation, not its index', async () => {
    const file = join(tmp, 'bad-cas.jsonl');
    writeFileSync(
      file,
      [
        op(0, 'invoke', 0, 'write', 1),
        op(1, 'ok', 0, 'write', 1),
        op(2, 'invoke', 1, 'cas', 5),
        op(3, 'ok', 1, 'cas', 5),
        '',
      ].join('\n'),
    );
    const r = await runCli(['check', file, ...CAS, '--json']);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe(`${file}:3: model cas-register: cas needs a value [from, to], got 5\n`);
    const [e] = jsonLines(r.stdout);
    expect(e).toMatchObject({
      file,
      line: 3,
      error: 'model cas-register: cas needs a value [from, to], got 5',
    });
  });

  it('an Elle input error names FILE:LINE', async () => {
    const file = join(tmp, 'bad-txn.jsonl');
    writeFileSync(
      file,
      [
        op(0, 'invoke', 0, 'txn', [['append', 'x', 1]]),
        op(1, 'ok', 0, 'txn', [['append', 'x', 1]]),
        op(2, 'invoke', 1, 'txn', 7),
        op(3, 'ok', 1, 'txn', 7),
        '',
      ].join('\n'),
    );
    const r = await runCli(['check', file, '--checker', 'elle-list-append']);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(
      new RegExp(`^${file}:4: operation 3: a txn's value must be a list of micro-ops`),
    );
  });
});

describe('check RUN_DIR (Jepsen analyse)', () => {
  it('re-checks a stored run with the checker and options of its test.json; node logs are not read', async () => {
    const store = join(tmp, 'store');
    const run = await runCli(['run', '--seed', '5', '--time-limit', '2', '--store', store]);
    const results = JSON.parse(readFileSync(join(store, 'latest', 'results.json'), 'utf8'));
    const test = JSON.parse(readFileSync(join(store, 'latest', 'test.json'), 'utf8'));
    expect(test.checker).toEqual({ name: 'linearizable', options: { model: 'kv' } });
    const r = await runCli(['check', join(store, 'latest')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(run.code);
    const verdict = results.valid === true ? 'valid' : results.valid === false ? 'INVALID' : 'unknown';
    expect(r.stdout).toMatch(new RegExp(`^${join(store, 'latest', 'history.jsonl')}\t${verdict}\t`));
    expect(r.stdout).not.toContain('n1.log');
    // A flag still overrides: the run's time budget, say.
    const j = await runCli(['check', join(store, 'latest'), '--time-limit', '60', '--json']);
    expect(jsonLines(j.stdout)[0]).toMatchObject({ valid: results.valid, model: 'kv' });
  });

  it("reads a Jepsen store directory's history.edn (not jepsen.log), with --checker", async () => {
    const dir = join(tmp, 'jepsen-store', 'etcd', '20261202T000000.000Z');
    mkdirSync(dir, { recursive: true });
    const edn = await runCli(['convert', INVALID_ETCD, '--to', 'edn']);
    writeFileSync(join(dir, 'history.edn'), edn.stdout);
    writeFileSync(join(dir, 'jepsen.log'), 'INFO jepsen.core - Run complete, writing\n');
    writeFileSync(join(dir, 'results.edn'), '{:valid? false}\n');
    const r = await runCli(['check', dir, ...CAS]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${join(dir, 'history.edn')}\tINVALID\t`));
    const none = await runCli(['check', dir]);
    expect(none.code).toBe(254);
    expect(none.stderr).toContain('is not a faultline run directory (no test.json), so name a checker');
  });
});

describe('check without --checker', () => {
  it('is refused once, naming the flag, when no input is a faultline run directory', async () => {
    const r = await runCli(['check', INVALID_ETCD, join(KV_DIR, 'c01-ok.txt')]);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe(
      'faultline: --checker: name a checker (see `faultline checkers`); only a faultline run directory says its own\n',
    );
    expect(r.stdout).toBe('');
  });
});

describe('validate: every problem in every file', () => {
  it('prints every problem of every file, missing files included, and the summary on stdout', async () => {
    // Two errors (an index used twice, twice) and two warnings (a completion with no
    // invocation, an invocation while one is in flight): every one is printed.
    const three = join(tmp, 'three-problems.jsonl');
    writeFileSync(
      three,
      [
        op(0, 'ok', 0, 'read', 1),
        op(1, 'invoke', 1, 'write', 1),
        op(1, 'invoke', 2, 'write', 2),
        op(3, 'invoke', 1, 'write', 2),
        op(3, 'ok', 1, 'write', 2),
        '',
      ].join('\n'),
    );
    const missing = join(tmp, 'nope.jsonl');
    const good = join(KV_DIR, 'c01-ok.txt');
    const r = await runCli(['validate', missing, three, good]);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${missing}: cannot read: no such file or directory`);
    expect(
      lines.filter((l) => l.startsWith(`${three}:`)).map((l) => l.split(':').slice(1, 3).join(':')),
    ).toEqual([
      '1: warning',
      '3: index 1 was already used by the op on line 2',
      '4: warning',
      '5: index 3 was already used by the op on line 4',
    ]);
    expect(lines.at(-1)).toBe('2 of 3 files malformed (5 problems)');
  });

  it('--json: one object per file with its problems (error, file, line)', async () => {
    const three = join(tmp, 'three-problems.jsonl');
    const missing = join(tmp, 'nope.jsonl');
    const r = await runCli(['validate', missing, three, join(KV_DIR, 'c01-ok.txt'), '--json']);
    expect(r.code).toBe(254);
    const [a, b, c] = jsonLines(r.stdout);
    expect(a).toEqual({
      file: missing,
      wellFormed: false,
      problems: [
        {
          file: missing,
          error: 'cannot read: no such file or directory',
          severity: 'error',
          kind: 'unreadable',
        },
      ],
    });
    expect(b.wellFormed).toBe(false);
    expect((b.problems as { line: number; severity: string }[]).map((p) => [p.line, p.severity])).toEqual([
      [1, 'warning'],
      [3, 'error'],
      [4, 'warning'],
      [5, 'error'],
    ]);
    expect(c).toMatchObject({ wellFormed: true, problems: [] });
    expect(typeof c.operations).toBe('number');
  });

  it('validate RUN_DIR reads the history, not the node logs', async () => {
    const store = join(tmp, 'store-v');
    await runCli(['run', '--seed', '2', '--time-limit', '1', '--store', store]);
    const r = await runCli(['validate', join(store, 'latest')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 file well-formed, \d+ operations\n$/);
  });
});

describe('convert --json', () => {
  it('every error of a malformed history as JSON objects on stdout, nothing converted', async () => {
    const bad = join(tmp, 'two-bad.jsonl');
    // Two ops reuse an index (errors); the completion with no invocation is only a warning.
    writeFileSync(
      bad,
      [op(0, 'ok', 0, 'read', 1), op(0, 'invoke', 1, 'read', null), op(0, 'ok', 1, 'read', 1), ''].join('\n'),
    );
    const r = await runCli(['convert', bad, '--to', 'edn', '--json']);
    expect(r.code).toBe(254);
    expect(jsonLines(r.stdout).map((e) => [e.file, e.line])).toEqual([
      [bad, 2],
      [bad, 3],
    ]);
  });
});
