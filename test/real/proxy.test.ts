import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { anyHoldsSocket, socketInode } from '../../src/real/proc.js';
import { CLIENTS_ACTOR, LinkFaults, TcpProxy } from '../../src/real/proxy.js';
import { RandomStreams } from '../../src/sim/random.js';

/** Real sockets on 127.0.0.1: an echo server behind the proxy, a client in front. */
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function echoServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => s.write(d));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

async function proxied(
  faults: LinkFaults,
): Promise<{ proxy: TcpProxy; socket: Socket; received: () => string }> {
  const target = await echoServer();
  const proxy = new TcpProxy({ node: 'n1', targetPort: target, faults, identify: async () => CLIENTS_ACTOR });
  const port = await proxy.listen();
  closers.push(() => proxy.close());
  const socket = connect({ host: '127.0.0.1', port });
  let got = '';
  socket.on('data', (d) => {
    got += d.toString();
  });
  socket.on('error', () => {});
  closers.push(() => {
    socket.destroy();
  });
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { proxy, socket, received: () => got };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newFaults = (extra: { latencyMs?: number } = {}) =>
  new LinkFaults({ clientIds: ['c1', 'c2'], rng: new RandomStreams(1).stream('proxy'), ...extra });

describe('TCP proxy', () => {
  it('forwards both ways', async () => {
    const { socket, received, proxy } = await proxied(newFaults());
    socket.write('hello');
    await sleep(50);
    expect(received()).toBe('hello');
    expect(proxy.stats.connections).toBe(1);
  });

  it('a partition stalls both directions; the held bytes arrive after the heal, in order', async () => {
    const faults = newFaults();
    const { socket, received } = await proxied(faults);
    faults.partition([['n1'], ['c1', 'c2']]);
    expect(faults.describeCuts()).toEqual([`${CLIENTS_ACTOR}->n1`, `n1->${CLIENTS_ACTOR}`]);
    socket.write('a');
    socket.write('b');
    await sleep(80);
    expect(received()).toBe('');
    faults.heal();
    await sleep(50);
    expect(received()).toBe('ab');
  });

  it('a one-way cut node → clients lets requests through and holds only the replies', async () => {
    const faults = newFaults();
    const { socket, received } = await proxied(faults);
    faults.cutOneWay(['n1'], ['c1', 'c2']);
    socket.write('x');
    await sleep(80);
    // The echo server got it (its reply waits in the proxy): a cut client → n1 would hold the request instead.
    expect(received()).toBe('');
    faults.cutOneWay(['c1'], ['n1']);
    socket.write('y');
    faults.heal();
    await sleep(50);
    expect(received()).toBe('xy');
  });

  it('latency delays every chunk', async () => {
    const { socket, received } = await proxied(newFaults({ latencyMs: 60 }));
    socket.write('z');
    await sleep(60);
    expect(received()).toBe('');
    await sleep(400);
    expect(received()).toBe('z');
  });

  it('loss delays chunks by a retransmission, never drops or reorders them', async () => {
    const faults = newFaults();
    const { socket, received, proxy } = await proxied(faults);
    faults.lossOverride = 1;
    socket.write('1');
    await sleep(60);
    expect(received()).toBe('');
    faults.lossOverride = undefined;
    socket.write('2');
    await sleep(800);
    expect(received()).toBe('12');
    expect(proxy.stats.lostChunks).toBeGreaterThanOrEqual(1);
  });

  it('refuses duplication by name', () => {
    expect(() => {
      newFaults().duplicateOverride = 0.5;
    }).toThrow(/duplicat/);
  });

  it('/proc finds the process holding the connecting end of a loopback connection', async () => {
    const target = await echoServer();
    const socket = connect({ host: '127.0.0.1', port: target });
    closers.push(() => {
      socket.destroy();
    });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const inode = await socketInode(socket.localPort!, target);
    expect(inode).toMatch(/^\d+$/);
    expect(await anyHoldsSocket([process.pid], inode!)).toBe(true);
    expect(await anyHoldsSocket([1], inode!)).toBe(false);
  });
});
