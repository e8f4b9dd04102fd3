import type { NemesisKind, PartitionMode } from '../../src/nemesis/nemesis.js';
import type { RunConfig } from '../../src/runner/config.js';
import { type ClientEndpoint, Simulation } from '../../src/sim/simulation.js';
import type { Body } from '../../src/sim/types.js';
import { RaftNode, type RaftStatus, raft } from '../../systems/raft/index.js';
import { runConfig, type ScenarioOutcome } from '../helpers/run-checked.js';

export { runConfig, type ScenarioOutcome } from '../helpers/run-checked.js';

/**
 * Raft scenarios through the project's simulator and runner (the same path
 * as `faultline run`, judged by the workload's registered checker: see
 * ../helpers/run-checked.ts), and a scripted cluster for directed tests.
 */

export interface RaftScenario {
  workload: 'register' | 'list-append' | 'rw-register';
  nemesis: NemesisKind[];
  partitionModes?: PartitionMode[];
  seed: number;
  timeLimitS: number;
  bugs?: string[];
  systemOptions?: string[];
  rateOpsPerS?: number;
  concurrency?: number;
  nemesisIntervalMs?: number;
  nemesisDurationMs?: number;
  recoveryMs?: number;
  nodes?: number;
  clientTimeoutMs?: number;
}

export function scenarioConfig(s: RaftScenario): Partial<RunConfig> & { seed: number } {
  return {
    system: 'raft',
    workload: s.workload,
    nemesis: s.nemesis,
    seed: s.seed,
    timeLimitS: s.timeLimitS,
    bugs: s.bugs ?? [],
    systemOptions: s.systemOptions ?? [],
    ...(s.partitionModes !== undefined ? { partitionModes: s.partitionModes } : {}),
    ...(s.rateOpsPerS !== undefined ? { rateOpsPerS: s.rateOpsPerS } : {}),
    ...(s.concurrency !== undefined ? { concurrency: s.concurrency } : {}),
    ...(s.nemesisIntervalMs !== undefined ? { nemesisIntervalMs: s.nemesisIntervalMs } : {}),
    ...(s.nemesisDurationMs !== undefined ? { nemesisDurationMs: s.nemesisDurationMs } : {}),
    ...(s.recoveryMs !== undefined ? { recoveryMs: s.recoveryMs } : {}),
    ...(s.nodes !== undefined ? { nodes: s.nodes } : {}),
    ...(s.clientTimeoutMs !== undefined ? { clientTimeoutMs: s.clientTimeoutMs } : {}),
  };
}

export async function runScenario(
  s: RaftScenario,
  opts: { keepLogs?: boolean } = {},
): Promise<ScenarioOutcome> {
  return runConfig(scenarioConfig(s), opts);
}

/** Seeds from..to in order until one is invalid; the first invalid seed, or undefined. */
export async function seedsToFirstFailure(
  base: Omit<RaftScenario, 'seed'>,
  from: number,
  to: number,
): Promise<{ seed: number | undefined; tried: number }> {
  for (let seed = from; seed <= to; seed++) {
    const out = await runScenario({ ...base, seed });
    if (out.valid === false) return { seed, tried: seed - from + 1 };
  }
  return { seed: undefined, tried: to - from + 1 };
}

/**
 * A Raft cluster in the real simulator with scripted clients, for tests
 * that drive requests and faults by hand and look inside the nodes. Like
 * Maelstrom's clients, each client actor has one request in flight at a
 * time and numbers them upwards (the systems rely on it to recognise late
 * copies, `systems/shared/refusals.ts`): a request goes out through the
 * first idle client, a new one if all are busy; one never answered keeps
 * its client busy for good, as an `info` op retires a process.
 */
export class TestCluster {
  readonly sim: Simulation;
  private readonly clients: ClientEndpoint[] = [];
  /** The request each client waits for, by client index. */
  private readonly busy = new Map<number, number>();
  private readonly clientOf = new Map<number, number>();
  private nextMsgId = 1;
  private readonly replies = new Map<number, Body>();

  /** Node log lines, `node line`. */
  readonly logs: string[] = [];

  constructor(opts: { seed: number; nodes?: number; bugs?: string[] }) {
    this.sim = new Simulation({
      seed: opts.seed,
      system: raft,
      nodeCount: opts.nodes ?? 5,
      bugs: new Set(opts.bugs ?? []),
      onNodeLog: (node, _timeNs, line) => this.logs.push(`${node} ${line}`),
    });
    this.sim.start();
  }

  /** Send a request; returns its msg_id, whose reply `reply(id)` gives once it arrived. */
  send(node: string, body: Omit<Body, 'msg_id'>): number {
    const id = this.nextMsgId++;
    let c = 0;
    while (this.busy.has(c)) c++;
    if (c === this.clients.length) {
      const index = c;
      this.clients.push(
        this.sim.addClient(`c${index + 1}`, (msg) => {
          const to = msg.body.in_reply_to;
          if (typeof to !== 'number' || this.clientOf.get(to) !== index) return;
          if (!this.replies.has(to)) this.replies.set(to, msg.body);
          if (this.busy.get(index) === to) this.busy.delete(index);
        }),
      );
    }
    this.busy.set(c, id);
    this.clientOf.set(id, c);
    this.clients[c].send(node, { ...body, msg_id: id } as Body);
    return id;
  }

  reply(id: number): Body | undefined {
    return this.replies.get(id);
  }

  /** Send, run until the reply arrives (or `timeoutMs` of virtual time), return it. */
  request(node: string, body: Omit<Body, 'msg_id'>, timeoutMs = 2000): Body | undefined {
    const id = this.send(node, body);
    const deadlineNs = this.sim.nowNs + timeoutMs * 1e6;
    while (!this.replies.has(id) && this.sim.nowNs < deadlineNs) this.sim.run(this.sim.nowNs + 1e6);
    return this.replies.get(id);
  }

  runForMs(ms: number): void {
    this.sim.run(this.sim.nowNs + ms * 1e6);
  }

  status(node: string): RaftStatus | undefined {
    const n = this.sim.nodeObject(node);
    return n instanceof RaftNode ? n.inspect() : undefined;
  }

  leader(): string | undefined {
    return this.sim.nodeIds.find((id) => this.status(id)?.role === 'leader');
  }
}
