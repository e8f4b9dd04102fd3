import { dirname, join } from 'node:path';
import pg from 'pg';
import type { OpSpec } from '../../../src/generator/generator.js';
import { BANK_ACCOUNTS, BANK_INITIAL_BALANCE } from '../../../workloads/bank/index.js';
import type { Adapter, AdapterClient, ClusterInfo, ErrorClass, NodeInfo, OpResult } from '../types.js';
import { postgresDescription } from './description.js';

/**
 * PostgreSQL through `pg`. n1 is the primary; n2, n3 are streaming
 * replicas made with pg_basebackup, replicating through n1's proxy (so a
 * partition cuts replication too). Clients talk to the primary.
 *
 * Tables: `lists (k, v int[])` for list-append (append = upsert
 * `v || x`), `registers (k, v)` for rw-register, `accounts (id, balance)`
 * for bank. Each transaction runs `BEGIN ISOLATION LEVEL …` … `COMMIT`.
 * An error reply before or at COMMIT aborts the transaction: definite
 * (`fail`), serialization failures and deadlocks included. A connection
 * lost before COMMIT was sent: definite too (the server rolls back). Lost
 * while COMMIT was in flight: indefinite (`info`).
 */

const SQL_ISOLATION: Record<string, string> = {
  'read-committed': 'READ COMMITTED',
  'repeatable-read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

type MicroOp = [string, number, unknown];

/** An error with the phase it happened in: COMMIT in flight or not. */
class PgOpError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly duringCommit: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function settings(node: NodeInfo): string[] {
  return [
    '-p',
    String(node.ports.pg),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'wal_level=replica',
    '-c',
    'max_wal_senders=10',
    '-c',
    'hot_standby=on',
    '-c',
    'max_connections=200',
    '-c',
    'shared_buffers=32MB',
    '-c',
    'fsync=on',
    '-c',
    'synchronous_commit=on',
    '-c',
    'log_min_messages=warning',
    // Deadlocks between transactions appending to the same keys in different orders end quickly (as definite failures).
    '-c',
    'deadlock_timeout=100ms',
    '-c',
    'log_line_prefix=%m [%p] ',
  ];
}

async function directQuery(node: NodeInfo, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: node.ports.pg,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  });
  c.on('error', () => {});
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end().catch(() => {});
  }
}

class PgClient implements AdapterClient {
  private broken = false;

  constructor(
    private readonly client: pg.Client,
    private readonly isolation: string,
    private readonly workload: string,
  ) {
    const lost = () => {
      this.broken = true;
    };
    client.on('error', lost);
    client.on('end', lost);
  }

  /** An error reply leaves the connection usable; a lost connection (or one lost during COMMIT) does not. */
  usable(): boolean {
    return !this.broken;
  }

  async invoke(op: OpSpec): Promise<OpResult> {
    const c = this.client;
    let duringCommit = false;
    try {
      await c.query(`BEGIN ISOLATION LEVEL ${SQL_ISOLATION[this.isolation]}`);
      let value: unknown;
      if (op.f === 'txn') value = await this.txn(op.value as MicroOp[]);
      else if (op.f === 'transfer') {
        const r = await this.transfer(op.value as { from: number; to: number; amount: number });
        if (r !== undefined) {
          await c.query('ROLLBACK');
          return r;
        }
        value = op.value;
      } else if (op.f === 'read' && this.workload === 'bank') {
        const rows = (await c.query('SELECT id, balance FROM accounts ORDER BY id')).rows as {
          id: number;
          balance: string;
        }[];
        value = Object.fromEntries(rows.map((r) => [r.id, Number(r.balance)]));
      } else throw new Error(`postgres adapter: cannot run ${op.f} for workload ${this.workload}`);
      duringCommit = true;
      await c.query('COMMIT');
      return { type: 'ok', value };
    } catch (err) {
      // Leave the session clean for the next operation, if the connection is still there.
      if (!duringCommit) await c.query('ROLLBACK').catch(() => {});
      throw new PgOpError(err, duringCommit);
    }
  }

  private async txn(txn: MicroOp[]): Promise<MicroOp[]> {
    const c = this.client;
    const out: MicroOp[] = [];
    for (const [f, k, v] of txn) {
      if (f === 'r') {
        if (this.workload === 'list-append') {
          const r = await c.query('SELECT v FROM lists WHERE k = $1', [k]);
          out.push([f, k, r.rows.length === 0 ? [] : (r.rows[0].v as number[])]);
        } else {
          const r = await c.query('SELECT v FROM registers WHERE k = $1', [k]);
          out.push([f, k, r.rows.length === 0 ? null : (r.rows[0].v as number)]);
        }
      } else if (f === 'append') {
        await c.query(
          'INSERT INTO lists (k, v) VALUES ($1, ARRAY[$2::int]) ON CONFLICT (k) DO UPDATE SET v = lists.v || $2::int',
          [k, v],
        );
        out.push([f, k, v]);
      } else if (f === 'w') {
        await c.query('INSERT INTO registers (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = $2', [
          k,
          v,
        ]);
        out.push([f, k, v]);
      } else throw new Error(`postgres adapter: unknown micro-op ${f}`);
    }
    return out;
  }

  /** Undefined when done; a definite fail when the source account would go negative. */
  private async transfer(t: { from: number; to: number; amount: number }): Promise<OpResult | undefined> {
    const c = this.client;
    const r = await c.query('SELECT balance FROM accounts WHERE id = $1', [t.from]);
    const balance = Number(r.rows[0]?.balance ?? 0);
    if (balance < t.amount)
      return {
        type: 'fail',
        error: { name: 'insufficient-funds', text: `account ${t.from} holds ${balance}` },
      };
    await c.query('UPDATE accounts SET balance = balance - $2 WHERE id = $1', [t.from, t.amount]);
    await c.query('UPDATE accounts SET balance = balance + $2 WHERE id = $1', [t.to, t.amount]);
    return undefined;
  }

  async close(): Promise<void> {
    const c = this.client;
    const stream = (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    // A clean goodbye, unless the link is cut: then the socket is simply dropped.
    await Promise.race([c.end().catch(() => {}), new Promise((r) => setTimeout(r, 500))]);
    stream?.destroy();
  }
}

export const postgres: Adapter = {
  ...postgresDescription,
  db: {
    ports: ['pg'],
    readyInOrder: true,
    async setup(node: NodeInfo, cluster: ClusterInfo) {
      const data = join(node.dir, 'data');
      const user = cluster.nodeUser;
      if (node.index === 0) {
        await cluster.exec(
          cluster.binary('initdb'),
          ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
          { user },
        );
        await cluster.exec(
          '/bin/sh',
          [
            '-c',
            `printf 'host all all 127.0.0.1/32 trust\\nhost replication all 127.0.0.1/32 trust\\n' > '${data}/pg_hba.conf'`,
          ],
          { user },
        );
      } else {
        // A replica copies the running primary through the primary's proxy: replication then passes the proxy too.
        const primary = cluster.nodes[0];
        await cluster.exec(
          cluster.binary('pg_basebackup'),
          [
            '-h',
            '127.0.0.1',
            '-p',
            String(primary.proxyPorts.pg),
            '-U',
            'postgres',
            '-D',
            data,
            '-R',
            '-X',
            'stream',
            '--no-sync',
          ],
          { user },
        );
      }
    },
    start(node: NodeInfo, cluster: ClusterInfo) {
      const postgresBin = cluster.binary('postgres');
      return {
        command: postgresBin,
        args: ['-D', join(node.dir, 'data'), ...settings(node)],
        readOnlyPaths: [dirname(dirname(postgresBin)), '/usr/share/postgresql'],
      };
    },
    async ready(node: NodeInfo) {
      await directQuery(node, 'SELECT 1');
    },
    async initialize(cluster: ClusterInfo) {
      const primary = cluster.nodes[0];
      await directQuery(
        primary,
        `CREATE TABLE IF NOT EXISTS lists (k int PRIMARY KEY, v int[] NOT NULL);
         CREATE TABLE IF NOT EXISTS registers (k int PRIMARY KEY, v int);
         CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, balance bigint NOT NULL);
         INSERT INTO accounts SELECT i, ${BANK_INITIAL_BALANCE} FROM generate_series(0, ${BANK_ACCOUNTS - 1}) i ON CONFLICT DO NOTHING;`,
      );
      // Replicas must be streaming before the test begins.
      for (const replica of cluster.nodes.slice(1)) {
        for (let i = 0; ; i++) {
          const r = await directQuery(primary, 'SELECT count(*)::int AS n FROM pg_stat_replication');
          if ((r.rows[0].n as number) >= cluster.nodes.length - 1) break;
          if (i > 100) throw new Error(`${replica.id} is not streaming from n1`);
          await new Promise((res) => setTimeout(res, 100));
        }
      }
    },
    primaries: () => ['n1'],
  },
  clientNodes: () => ['n1'],
  async openClient(node: NodeInfo, cluster: ClusterInfo) {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: node.proxyPorts.pg,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: 2000,
      keepAlive: true,
    });
    // Errors on an idle connection surface on the next query; without a listener they would be thrown.
    client.on('error', () => {});
    await client.connect();
    return new PgClient(client, cluster.options.isolation, cluster.workload);
  },
  classifyError(err: unknown): ErrorClass {
    const duringCommit = err instanceof PgOpError && err.duringCommit;
    const cause = err instanceof PgOpError ? err.cause : err;
    const state = sqlState(cause);
    if (state === '40001') return { definite: true, name: 'serialization-failure' };
    if (state === '40P01') return { definite: true, name: 'deadlock' };
    if (state !== undefined) {
      // Class 08 (connection) and 57 (operator intervention: shutdown, crash of another backend) at COMMIT leave its outcome unknown.
      const lost = state.startsWith('08') || state.startsWith('57');
      return { definite: !(lost && duringCommit), name: `sqlstate-${state}` };
    }
    return duringCommit
      ? { definite: false, name: 'connection-lost-during-commit' }
      : { definite: true, name: 'connection-lost' };
  },
};
