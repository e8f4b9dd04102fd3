import { type ChildProcess, spawn } from 'node:child_process';
import type { NodeCommand, NodeInfo } from '../../systems/adapters/types.js';
import { killSurvivors, processTree, startTimes } from './proc.js';
import { isRoot, lookupUser } from './users.js';

/**
 * How real-mode nodes run. `local`: each node is a process group on this
 * machine; `docker`: each node is a container (`docker-runtime.ts`). Every
 * method resolves once the runtime has done it (a kill: the node is gone).
 */
export interface NodeProcess {
  start(cmd: NodeCommand): Promise<void>;
  /** SIGKILL to every process of the node. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT to every process of the node. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Final stop: SIGCONT, SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Every process of the node now (host pids), for telling which node opened a connection; empty while down. */
  pids(): Promise<number[]>;
  readonly running: boolean;
}

export interface Runtime {
  readonly name: 'local' | 'docker';
  /** Make what nodes need (docker: an image holding these commands' binaries). */
  prepare(commands: readonly NodeCommand[]): Promise<void>;
  node(info: NodeInfo, log: (line: string) => void): NodeProcess;
  /** Stop everything left and release the runtime's own resources. */
  close(): Promise<void>;
}

/**
 * Runs the server in the background of a shell that ignores the stop
 * signals itself (the server gets them from the group signal), waits for
 * it and exits with its status; beside it a watchdog reads the harness's
 * pipe and, at end of file, SIGKILLs the whole group.
 */
const NODE_WRAPPER = `exec 3<&0
"$@" 3<&- &
pid=$!
(cat <&3 >/dev/null; kill -KILL 0) &
exec 3<&-
trap '' TERM HUP
wait $pid
exit $?`;

/** Local processes: each node its own process group (so kill and pause reach the server's children too). */
export class LocalRuntime implements Runtime {
  readonly name = 'local' as const;
  private readonly nodes = new Set<LocalNode>();

  async prepare(): Promise<void> {}

  node(info: NodeInfo, log: (line: string) => void): NodeProcess {
    const n = new LocalNode(info, log);
    this.nodes.add(n);
    return n;
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes].map((n) => n.stop()));
  }
}

class LocalNode implements NodeProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly info: NodeInfo,
    private readonly log: (line: string) => void,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  async pids(): Promise<number[]> {
    const pid = this.child?.pid;
    return pid === undefined ? [] : processTree(pid);
  }

  async start(cmd: NodeCommand): Promise<void> {
    if (this.child) throw new Error(`${this.info.id} is already running`);
    const user = cmd.user !== undefined && isRoot() ? lookupUser(cmd.user) : undefined;
    if (cmd.user !== undefined && isRoot() && !user)
      throw new Error(`no user '${cmd.user}' to run ${cmd.command} as`);
    // The server runs under a small shell that also watches our end of a pipe: if the harness dies
    // without cleaning up (SIGKILL), the pipe closes and the watchdog kills the node's whole group.
    const child = spawn('/bin/sh', ['-c', NODE_WRAPPER, 'faultline-node', cmd.command, ...cmd.args], {
      cwd: this.info.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...cmd.env },
      // Its own process group: signals reach every process of the node, and Ctrl-C in the terminal reaches only us.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    child.stdin?.on('error', () => {});
    this.child = child;
    this.log(`*** started ${cmd.command} ${cmd.args.join(' ')} (pid ${child.pid})`);
    const lines = (prefix: string) => {
      let rest = '';
      return (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        for (const p of parts) this.log(`${prefix}${p}`);
      };
    };
    child.stdout?.on('data', lines(''));
    child.stderr?.on('data', lines(''));
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.log(`*** exited (${signal ?? `code ${code}`})`);
        child.stdin?.destroy();
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once('error', (err) => {
        this.log(`*** could not start: ${err.message}`);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  /**
   * Signal every process of the node: its group first (the shell and the
   * server, so a stopped server forks nothing new), then every process in
   * its tree (children that made groups of their own).
   */
  private async signal(sig: NodeJS.Signals, pid = this.child?.pid): Promise<void> {
    if (pid === undefined) return;
    const send = (target: number) => {
      try {
        process.kill(target, sig);
      } catch {
        // already gone
      }
    };
    send(-pid);
    for (const p of await processTree(pid)) send(p);
  }

  async kill(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    // The tree is read before the leader dies: afterwards its orphans hang off init.
    const tree = await startTimes(await processTree(pid));
    await this.signal('SIGKILL', pid);
    await killSurvivors(tree);
    await this.exited;
  }

  async pause(): Promise<void> {
    await this.signal('SIGSTOP');
  }

  async resume(): Promise<void> {
    await this.signal('SIGCONT');
  }

  async stop(graceMs = 5000): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    const tree = await startTimes(await processTree(pid));
    await this.signal('SIGCONT', pid);
    // The server shuts down its own children; the group's shell and watchdog go with SIGTERM too.
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // gone
    }
    const timer = setTimeout(() => void this.signal('SIGKILL', pid), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Anything the server left behind (an orphaned child) still has its start time: it goes too.
    await killSurvivors(tree);
  }
}
