import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { RealRunSummary } from '../../src/real/run-real.js';

/** Real-database suites run only when asked (FAULTLINE_REAL_DB=1): they start PostgreSQL, etcd and Redis. */
export const REAL_DB = process.env.FAULTLINE_REAL_DB === '1';

const stores: string[] = [];

/** A fresh store directory others may enter (the nodes' user must reach their data under it); removed after the file's tests. */
export function tempStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-real-test-'));
  chmodSync(dir, 0o755);
  stores.push(dir);
  return dir;
}

afterAll(() => {
  for (const d of stores.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Whether anything still accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Pids of processes whose command line mentions `needle` (a run's directory). */
export function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/** What a run left behind: processes, listening ports, node data (empty when nothing). */
export async function leftovers(dir: string, summary?: RealRunSummary): Promise<string[]> {
  const problems: string[] = [];
  for (const pid of processesMentioning(dir)) problems.push(`process ${pid} still runs`);
  for (const n of summary?.nodes ?? []) {
    for (const [name, port] of [...Object.entries(n.ports), ...Object.entries(n.proxyPorts)]) {
      if (await portInUse(port)) problems.push(`${n.id} port ${name} ${port} still open`);
    }
  }
  if (existsSync(join(dir, 'nodes'))) problems.push(`${join(dir, 'nodes')} still exists`);
  return problems;
}
