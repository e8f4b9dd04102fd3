import { type ChildProcess, spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { CONTROLLER_ID } from '../sim/simulation.js';
import type { Body, Message, NodeContext, NodeId, SimNode, SystemDefinition } from '../sim/types.js';

/** A Maelstrom node misbehaved (exited, printed garbage, never answered init): the user's binary is at fault. */
export class MaelstromNodeError extends Error {
  override name = 'MaelstromNodeError';
}

/** Lines of a node's stderr kept to explain an early exit. */
const STDERR_TAIL_LINES = 5;
/**
 * Bytes waiting for a node to read its stdin beyond which messages to it are
 * dropped, as from a full socket buffer: a node that stops reading cannot
 * take the harness's memory.
 */
const STDIN_BACKLOG_BYTES_MAX = 64 * 1024 * 1024;
/** How long an exited node's stdout and stderr may take to drain before its exit is reported, ms. */
const STDERR_DRAIN_MS = 200;
/** A quoted line is cut to this many characters. */
const QUOTE_CHARS = 160;

function quote(line: string): string {
  const cut = line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}…` : line;
  return JSON.stringify(cut);
}

export interface ProcessSystemOptions {
  bin: string;
  args: readonly string[];
  /** Where the processes run (relative paths among the arguments mean this directory). */
  cwd: string;
  /** Bring a process's output into the simulation (`SimulationWallClockDriver.inject`). */
  inject: (fn: () => void) => void;
  /** A node's stderr line, or a note of the harness's, in the node's log. */
  log: (node: NodeId, line: string) => void;
  /** The node misbehaved: the run must stop (called at most once per process). */
  onFatal: (err: MaelstromNodeError) => void;
  /** A restarted node must answer its new `init` within this long (ms of its own running time). */
  initTimeoutMs: number;
}

/**
 * Maelstrom node binaries as the nodes of a `Simulation`: `createNode`
 * spawns the binary, every message the simulator delivers is written to its
 * stdin as one JSON line, and every line it prints on stdout is parsed and
 * sent on the simulated network from that node (through `inject`, so it
 * happens inside the simulation's event loop). stderr is the node's log.
 * Crash is SIGKILL (a restart spawns a new process, which gets `init`
 * again), pause SIGSTOP, resume SIGCONT — to the node's whole process group.
 */
export class MaelstromProcesses {
  readonly system: SystemDefinition;
  /** The process serving each node now (undefined while it is down). */
  private readonly current = new Map<NodeId, ProcessNode>();
  /** Every process started and not yet seen to exit. */
  private readonly running = new Set<ProcessNode>();
  /** Nodes whose current process answered `init`. */
  private readonly initialized = new Set<NodeId>();
  private spawnedCount = 0;
  private readonly boots = new Map<NodeId, number>();
  private closed = false;

  constructor(private readonly opts: ProcessSystemOptions) {
    this.system = {
      name: 'maelstrom',
      description: `Maelstrom node binary ${opts.bin}`,
      bugs: [],
      defaultNodeCount: 1,
      workloads: [],
      createNode: (ctx) => this.spawnNode(ctx),
    };
  }

  /** Processes started over the run (restarts included). */
  get spawned(): number {
    return this.spawnedCount;
  }

  /** Whether the node's current process answered `init` with `init_ok`. */
  isInitialized(id: NodeId): boolean {
    return this.initialized.has(id);
  }

  /** Pids of every process started and not yet seen to exit. */
  pids(): number[] {
    return [...this.running].map((p) => p.pid).filter((p): p is number => p !== undefined);
  }

  /** SIGKILL to every process still running (their groups), now; for a process that is about to exit. */
  killAllNow(): void {
    this.closed = true;
    for (const p of this.running) p.kill('SIGKILL');
  }

  /** Stop every process (SIGCONT, then SIGKILL to its group) and wait until each has exited. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    const exits = [...this.running].map((p) => p.exited);
    for (const p of this.running) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(exits),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private spawnNode(ctx: NodeContext): SimNode {
    const id = ctx.id;
    this.initialized.delete(id);
    const node = new ProcessNode(ctx, this.opts, {
      closed: () => this.closed,
      initOk: (n) => {
        if (this.current.get(id) === n) this.initialized.add(id);
      },
      exited: (n) => {
        this.running.delete(n);
        if (this.current.get(id) === n) {
          this.current.delete(id);
          this.initialized.delete(id);
        }
      },
    });
    this.spawnedCount++;
    this.current.set(id, node);
    this.running.add(node);
    const boot = (this.boots.get(id) ?? 0) + 1;
    this.boots.set(id, boot);
    // The first boot is awaited by the runner (which names every silent node at once); a restart is
    // timed here, on the simulation's clock, so the timer dies with the incarnation and stops while paused.
    if (boot > 1)
      ctx.setTimer(this.opts.initTimeoutMs, () => {
        if (this.current.get(id) === node && !this.initialized.has(id) && !this.closed)
          this.opts.onFatal(
            new MaelstromNodeError(
              `node ${id} did not answer init with init_ok within ${this.opts.initTimeoutMs} ms of its restart (--init-timeout)`,
            ),
          );
      });
    return node;
  }
}

interface Owner {
  closed(): boolean;
  initOk(n: ProcessNode): void;
  exited(n: ProcessNode): void;
}

class ProcessNode implements SimNode {
  private readonly child: ChildProcess;
  readonly pid: number | undefined;
  readonly exited: Promise<void>;
  /** We killed it (crash or shutdown): its exit is expected. */
  private killed = false;
  private gone = false;
  private failed = false;
  private droppedAtStdin = 0;
  private readonly stderrTail: string[] = [];
  /** The last stdout line, when the stream ended without a newline after it. */
  private unterminatedStdout: string | undefined;

  constructor(
    private readonly ctx: NodeContext,
    private readonly opts: ProcessSystemOptions,
    private readonly owner: Owner,
  ) {
    const id = ctx.id;
    this.child = spawn(opts.bin, [...opts.args], {
      cwd: opts.cwd,
      env: process.env,
      // Its own process group: pause and kill reach whatever it starts, and Ctrl-C in the terminal reaches only us.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    this.child.stdin?.on('error', () => {});
    opts.log(
      id,
      `*** process started: ${opts.bin}${opts.args.map((a) => ` ${a}`).join('')} (pid ${this.pid ?? '?'})`,
    );
    // A last line without a newline is a line too, once its stream ends (as a line reader reads it).
    const stdout = new LineSplitter((line, terminated) => {
      if (!terminated) this.unterminatedStdout = line;
      this.onStdout(line);
    });
    this.child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    this.child.stdout?.once('end', () => stdout.end());
    const stderr = new LineSplitter((line) => this.onStderr(line));
    this.child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.child.stderr?.once('end', () => stderr.end());
    this.exited = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.gone = true;
        this.child.stdin?.destroy();
        this.owner.exited(this);
        opts.log(id, `*** process ${this.pid ?? '?'} exited (${signal ?? `exit code ${code}`})`);
        if (!this.killed && !this.owner.closed()) {
          // Its last words may still be in the pipes (a last stdout line is still handled, and
          // named if it had no newline): report once both are drained (or soon, if a child of its
          // own holds a pipe open).
          let reported = false;
          const report = () => {
            if (reported) return;
            reported = true;
            clearTimeout(timer);
            const last =
              this.unterminatedStdout !== undefined
                ? `; its last stdout line had no newline: ${quote(this.unterminatedStdout)}`
                : '';
            const tail =
              this.stderrTail.length > 0
                ? `; its last stderr: ${this.stderrTail.join(' | ')}`
                : '; it wrote nothing on stderr';
            this.fatal(
              `node ${id} exited early (${signal ? `signal ${signal}` : `exit code ${code}`})${last}${tail}`,
            );
          };
          const open = [this.child.stdout, this.child.stderr].filter((p) => p !== null && !p.closed);
          let left = open.length;
          const timer = setTimeout(report, left > 0 ? STDERR_DRAIN_MS : 0);
          for (const p of open)
            p?.once('close', () => {
              if (--left === 0) report();
            });
        }
        resolve();
      });
      this.child.once('error', (err) => {
        this.gone = true;
        this.owner.exited(this);
        if (!this.owner.closed()) this.fatal(`node ${id}: could not start ${opts.bin}: ${err.message}`);
        resolve();
      });
    });
  }

  onMessage(msg: Message): void {
    if (this.gone || this.killed) return;
    const stdin = this.child.stdin;
    if (!stdin) return;
    if (stdin.writableLength > STDIN_BACKLOG_BYTES_MAX) {
      if (this.droppedAtStdin++ === 0)
        this.opts.log(
          this.ctx.id,
          `*** the process does not read its stdin: over ${STDIN_BACKLOG_BYTES_MAX} bytes wait; messages to it are dropped`,
        );
      return;
    }
    stdin.write(`${JSON.stringify({ src: msg.src, dest: msg.dest, body: msg.body })}\n`);
  }

  onCrash(): void {
    this.kill('SIGKILL');
  }

  onPause(): void {
    this.signal('SIGSTOP');
  }

  onResume(): void {
    this.signal('SIGCONT');
  }

  kill(sig: 'SIGKILL' | 'SIGCONT'): void {
    if (sig === 'SIGKILL') this.killed = true;
    this.signal(sig);
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.gone || this.pid === undefined) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      try {
        process.kill(this.pid, sig);
      } catch {
        // gone meanwhile
      }
    }
  }

  private fatal(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.opts.onFatal(new MaelstromNodeError(message));
  }

  private onStderr(line: string): void {
    this.stderrTail.push(line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}…` : line);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    this.opts.log(this.ctx.id, line);
  }

  private onStdout(line: string): void {
    if (this.killed || this.failed) return;
    const id = this.ctx.id;
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.fatal(`node ${id} printed a line on stdout that is not JSON: ${quote(line)} (logs go to stderr)`);
      return;
    }
    const problem = messageProblem(parsed);
    if (problem !== undefined) {
      this.fatal(`node ${id} printed a malformed message on stdout (${problem}): ${quote(line)}`);
      return;
    }
    const msg = parsed as Message;
    if (msg.src !== id) {
      this.fatal(
        `node ${id} sent a message with src ${JSON.stringify(msg.src)}, not its own id: ${quote(line)}`,
      );
      return;
    }
    if (msg.dest === CONTROLLER_ID && msg.body.type === 'init_ok') this.owner.initOk(this);
    if (msg.dest === CONTROLLER_ID && msg.body.type === 'error') {
      this.fatal(`node ${id} answered init with an error: ${quote(line)}`);
      return;
    }
    const body: Body = msg.body;
    // Sent from inside the simulation; a line that arrives after the node crashed is dropped there (ctx.send).
    this.opts.inject(() => this.ctx.send(msg.dest, body));
  }
}

/** Why a parsed stdout line is not a Maelstrom message, or undefined. */
function messageProblem(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'not a JSON object';
  const o = m as Record<string, unknown>;
  if (typeof o.src !== 'string') return 'no string src';
  if (typeof o.dest !== 'string') return 'no string dest';
  if (typeof o.body !== 'object' || o.body === null || Array.isArray(o.body)) return 'no body object';
  if (typeof (o.body as Record<string, unknown>).type !== 'string') return 'the body has no string type';
  return undefined;
}

/**
 * Hands `onLine` each line of a stream's chunks (UTF-8; a line split over
 * chunks joined; a `\r` before the newline dropped). At the stream's end,
 * `end` hands over what follows the last newline, if anything, as a line
 * that had no newline (`terminated` false).
 */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onLine: (line: string, terminated: boolean) => void) {}

  push(chunk: Buffer): void {
    const parts = (this.rest + this.decoder.write(chunk)).split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.onLine(p.endsWith('\r') ? p.slice(0, -1) : p, true);
  }

  end(): void {
    const last = this.rest + this.decoder.end();
    this.rest = '';
    if (last !== '') this.onLine(last.endsWith('\r') ? last.slice(0, -1) : last, false);
  }
}
