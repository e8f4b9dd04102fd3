import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import type { NodeCommand, NodeInfo } from '../../systems/adapters/types.js';
import type { NodeProcess, Runtime } from './local-runtime.js';
import { isRoot, lookupUser } from './users.js';

const execFileP = promisify(execFile);

/** The Docker engine cannot be reached: say where we looked and how to start one. */
export class DockerUnavailableError extends Error {
  override name = 'RealSetupError';
}

const IMAGE_REPO = 'faultline-node';

/** Files every image carries besides the commands and what they link: users, the C.UTF-8 locale, time zones. */
const BASE_FILES = ['/etc/passwd', '/etc/group', '/usr/lib/locale/C.utf8', '/usr/share/zoneinfo'];

function where(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

export function howToStartDocker(): string {
  return [
    `no Docker engine is reachable at ${where()} (DOCKER_HOST).`,
    'Start one, e.g. as root with a private socket:',
    '  d=$(mktemp -d) && dockerd --host unix://$d/docker.sock --data-root $d/root --exec-root $d/exec --pidfile $d/docker.pid --bridge=none --iptables=false >$d/log 2>&1 &',
    '  export DOCKER_HOST=unix://$d/docker.sock',
    '(Debian package docker.io), or run without --runtime docker to use local processes.',
  ].join('\n');
}

/** The shared libraries a binary loads (ldd), absolute paths. */
async function sharedLibraries(binary: string): Promise<string[]> {
  try {
    const { stdout } = await execFileP('ldd', [binary]);
    const out: string[] = [];
    for (const line of stdout.split('\n')) {
      const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
      if (m) out.push(m[1]);
    }
    return out;
  } catch {
    return [];
  }
}

/**
 * Docker containers through dockerode: each node a container of a local
 * image built from this machine's own binaries (no registry: a root
 * filesystem of the commands, the libraries they link and the paths they
 * read, `docker import`ed), with host networking — every server binds
 * 127.0.0.1 and the proxies work as for local processes — and the node's
 * directory bind-mounted at the same path.
 */
export class DockerRuntime implements Runtime {
  readonly name = 'docker' as const;
  private readonly nodes = new Set<DockerNode>();
  private image = '';

  private constructor(
    private readonly docker: Docker,
    private readonly runId: string,
  ) {}

  /** Connect to the engine (DOCKER_HOST or the default socket); fails at once, saying how to start one. */
  static async connect(runId: string): Promise<DockerRuntime> {
    const docker = new Docker();
    try {
      await Promise.race([
        docker.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3000)),
      ]);
    } catch (err) {
      throw new DockerUnavailableError(
        `${howToStartDocker()}\n(${err instanceof Error ? err.message : String(err)})`,
      );
    }
    return new DockerRuntime(docker, runId.replace(/[^a-zA-Z0-9_.-]/g, '-'));
  }

  /** Build (once per set of files) the image holding these commands. */
  async prepare(commands: readonly NodeCommand[]): Promise<void> {
    const paths = new Set<string>(BASE_FILES.filter((p) => existsSync(p)));
    for (const c of commands) {
      paths.add(c.command);
      for (const lib of await sharedLibraries(c.command)) paths.add(lib);
      for (const p of c.readOnlyPaths ?? []) {
        paths.add(p);
        if (p.endsWith('.so') || /\.so\.\d+$/.test(p))
          for (const lib of await sharedLibraries(p)) paths.add(lib);
      }
    }
    // A path inside another included directory is already in the archive (tar refuses duplicates).
    const existing = [...paths].filter((p) => existsSync(p)).sort();
    const sorted = existing.filter((p) => !existing.some((q) => q !== p && p.startsWith(`${q}/`)));
    const hash = createHash('sha256');
    for (const p of sorted) {
      const st = statSync(p);
      hash.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
    }
    const tag = hash.digest('hex').slice(0, 16);
    this.image = `${IMAGE_REPO}:${tag}`;
    try {
      await this.docker.getImage(this.image).inspect();
      return;
    } catch {
      // not built yet
    }
    const tar = spawn('tar', ['--create', '--dereference', '--file', '-', ...sorted], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tarErr = '';
    tar.stderr.on('data', (d: Buffer) => {
      tarErr += d.toString();
    });
    const progress = await this.docker.importImage(tar.stdout, { repo: IMAGE_REPO, tag });
    await new Promise<void>((resolve, reject) =>
      this.docker.modem.followProgress(progress, (err: Error | null) => (err ? reject(err) : resolve())),
    );
    const code = await new Promise<number | null>((r) => {
      if (tar.exitCode !== null) r(tar.exitCode);
      else tar.once('exit', (c) => r(c));
    });
    if (code !== 0 && !/Removing leading/.test(tarErr))
      throw new Error(`building image ${this.image}: tar failed: ${tarErr.trim().slice(-1000)}`);
  }

  node(info: NodeInfo, log: (line: string) => void): NodeProcess {
    const n = new DockerNode(
      this.docker,
      () => this.image,
      `faultline-${this.runId}-${info.id}`,
      this.runId,
      info,
      log,
    );
    this.nodes.add(n);
    return n;
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes].map((n) => n.stop()));
    // Anything of this run still there (a container whose creation raced a failure) goes too.
    const left = await this.docker.listContainers({
      all: true,
      filters: { label: [`faultline.run=${this.runId}`] },
    });
    await Promise.all(
      left.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
  }
}

class DockerNode implements NodeProcess {
  private container: Docker.Container | undefined;
  private up = false;
  private paused = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly docker: Docker,
    private readonly image: () => string,
    private readonly name: string,
    private readonly runId: string,
    private readonly info: NodeInfo,
    private readonly log: (line: string) => void,
  ) {}

  get running(): boolean {
    return this.up;
  }

  async pids(): Promise<number[]> {
    if (!this.container || !this.up) return [];
    try {
      const top = (await this.container.top({ ps_args: '-o pid' })) as {
        Titles: string[];
        Processes: string[][];
      };
      const col = top.Titles.indexOf('PID');
      return top.Processes.map((p) => Number(p[col === -1 ? 0 : col])).filter((n) => Number.isInteger(n));
    } catch {
      return [];
    }
  }

  private async create(cmd: NodeCommand): Promise<Docker.Container> {
    const user = cmd.user !== undefined && isRoot() ? lookupUser(cmd.user) : undefined;
    const c = await this.docker.createContainer({
      name: this.name,
      Image: this.image(),
      Cmd: [cmd.command, ...cmd.args],
      Env: Object.entries({ LANG: 'C.UTF-8', ...cmd.env }).map(([k, v]) => `${k}=${v}`),
      WorkingDir: this.info.dir,
      ...(user ? { User: `${user.uid}:${user.gid}` } : {}),
      Labels: { 'faultline.run': this.runId, 'faultline.node': this.info.id },
      HostConfig: { NetworkMode: 'host', Binds: [`${this.info.dir}:${this.info.dir}`] },
    });
    this.log(`*** container ${this.name} (${c.id.slice(0, 12)}) from ${this.image()}`);
    return c;
  }

  async start(cmd: NodeCommand): Promise<void> {
    if (this.up) throw new Error(`${this.info.id} is already running`);
    this.container ??= await this.create(cmd);
    const c = this.container;
    // Attach before starting, so no output is missed.
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    this.docker.modem.demuxStream(stream, out, out);
    let rest = '';
    out.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) this.log(p);
    });
    await c.start();
    this.up = true;
    this.paused = false;
    this.log(`*** started ${cmd.command} ${cmd.args.join(' ')} in its container`);
    this.exited = c.wait().then(
      (r: { StatusCode?: number }) => {
        this.up = false;
        this.log(`*** exited (status ${r.StatusCode ?? '?'})`);
      },
      () => {
        this.up = false;
      },
    );
  }

  async kill(): Promise<void> {
    if (!this.container || !this.up) return;
    if (this.paused) await this.resume();
    await this.container.kill({ signal: 'SIGKILL' }).catch(() => {});
    await this.exited;
  }

  async pause(): Promise<void> {
    if (!this.container || !this.up || this.paused) return;
    await this.container.pause();
    this.paused = true;
  }

  async resume(): Promise<void> {
    if (!this.container || !this.paused) return;
    await this.container.unpause();
    this.paused = false;
  }

  async stop(graceMs = 5000): Promise<void> {
    const c = this.container;
    if (!c) return;
    if (this.paused) await this.resume().catch(() => {});
    if (this.up) {
      await c.stop({ t: Math.ceil(graceMs / 1000) }).catch(() => {});
      await this.exited;
    }
    await c.remove({ force: true }).catch(() => {});
    this.container = undefined;
  }
}
