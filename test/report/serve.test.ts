/** faultline serve: the store's runs and searches, reports and files over HTTP; read only; nothing outside the store. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/report/serve.js';
import { indexStore } from '../../src/report/store-index.js';
import { runTest } from '../../src/runner/run-test.js';
import { runCli } from '../helpers/cli.js';

const ISO = '2026-11-22T05:30:00.000Z';
let root: string;
let store: string;
let server: RunningServer;
let runPath: string;

/** A raw request: the path goes out exactly as written (no client-side `..` folding). */
function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = server.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'faultline-serve-'));
  store = join(root, 'store');
  const run = await runTest(
    {
      system: 'lww-register',
      workload: 'register',
      nemesis: ['partition', 'clock'],
      seed: 3,
      timeLimitS: 20,
    },
    { storeDir: store, startedAtIso: ISO },
  );
  runPath = run.dir.slice(store.length + 1);
  // A search as #13's `faultline search` stores it, with one failing seed's run directory.
  const search = join(store, 'search-20261122T060000.000Z');
  mkdirSync(search, { recursive: true });
  cpSync(run.dir, join(search, 'seed-3'), { recursive: true });
  rmSync(join(search, 'seed-3', 'report.html'));
  writeFileSync(
    join(search, 'summary.json'),
    JSON.stringify({
      kind: 'faultline-search',
      startedAt: '2026-11-22T06:00:00.000Z',
      request: { system: 'lww-register', bugs: [], seeds: { from: 1, to: 5 } },
      counts: { seeds: 5, valid: 4, invalid: 1, unknown: 0 },
    }),
  );
  // Things outside the store, and a link inside it that leads there.
  writeFileSync(join(root, 'secret.txt'), 'do not serve');
  symlinkSync(root, join(store, 'escape'));
  server = await startServer({ storeDir: store, port: 0 });
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('faultline serve', () => {
  it('listens on 127.0.0.1 only by default', () => {
    expect((server.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });
  it('indexes runs (latest not twice) and searches with their runs', () => {
    const ix = indexStore(store);
    expect(ix.runs.map((r) => r.path).sort()).toEqual([runPath, 'search-20261122T060000.000Z/seed-3'].sort());
    expect(ix.runs[0]).toMatchObject({ test: 'lww-register-register', valid: false, seed: 3, ops: 2052 });
    expect(ix.searches).toHaveLength(1);
    expect(ix.searches[0].runs.map((r) => r.path)).toEqual(['search-20261122T060000.000Z/seed-3']);
  });
  it('the index page: a table of runs with verdict, ops and seed, each report a click away, searches grouped', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.body).toContain(`href="/report/${runPath}/"`);
    expect(r.body).toMatch(
      /<td class="v invalid">INVALID<\/td><td class="n" data-sort="2052">2052<\/td><td class="n" data-sort="3">3<\/td>/,
    );
    expect(r.body).toContain('data-search="search-20261122T060000.000Z"');
    expect(r.body).toMatch(/5 run: .*4 valid.*1 invalid/);
    expect(r.body).toContain('id="filter"');
    const api = JSON.parse((await get('/api/runs.json')).body);
    expect(api.runs).toHaveLength(2);
  });
  it('serves a run’s report, and draws one in memory for a run without (writing nothing)', async () => {
    const r = await get(`/report/${runPath}/`);
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^<!doctype html>/);
    expect((await get(`/report/${runPath}`)).status).toBe(301);
    const drawn = await get('/report/search-20261122T060000.000Z/seed-3/');
    expect(drawn.status).toBe(200);
    expect(drawn.body).toContain('id="tl-canvas"');
    expect(existsSync(join(store, 'search-20261122T060000.000Z', 'seed-3', 'report.html'))).toBe(false);
    // The report's relative links resolve beside it.
    expect((await get(`/report/${runPath}/history.jsonl`)).body.split('\n')[0]).toMatch(/^\{"index":0/);
  });
  it('history and results are downloadable', async () => {
    const h = await get(`/files/${runPath}/history.jsonl?download`);
    expect(h.status).toBe(200);
    expect(h.headers['content-disposition']).toBe('attachment; filename="history.jsonl"');
    expect(JSON.parse((await get(`/files/${runPath}/results.json`)).body).valid).toBe(false);
  });
  it('refuses every path outside the store: .., encoded .., links out, NUL', async () => {
    for (const p of [
      '/files/../secret.txt',
      '/files/../../etc/passwd',
      '/files/%2e%2e/secret.txt',
      '/files/..%2fsecret.txt',
      '/files/..%5csecret.txt',
      `/report/${runPath}/../../../secret.txt`,
      '/files/escape/secret.txt',
      '/files/latest%00/history.jsonl',
    ]) {
      const r = await get(p);
      expect(r.status, p).toBe(403);
      expect(r.body).not.toContain('do not serve');
    }
    expect((await get('/files/nothing-here.txt')).status).toBe(404);
  });
  it('refuses a bad store, port or a port in use, naming the flag', async () => {
    const missing = await runCli(['serve', '--store', join(root, 'nope'), '--port', '0']);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toMatch(/--store: .*nope is not a directory/);
    expect((await runCli(['serve', '--store', store, '--port', 'http'])).stderr).toMatch(/--port/);
    const { port } = server.server.address() as AddressInfo;
    const busy = await runCli(['serve', '--store', store, '--port', String(port)]);
    expect(busy.code).toBe(254);
    expect(busy.stderr).toMatch(new RegExp(`--port: ${port} is already in use`));
  });
  it('is read only', async () => {
    for (const m of ['POST', 'PUT', 'DELETE']) expect((await get('/', m)).status).toBe(405);
    expect((await get(`/files/${runPath}/history.jsonl`, 'HEAD')).status).toBe(200);
  });
});
