import { describe, expect, it } from 'vitest';
import { colorEnabled, colorsFor, startProgress, verdictWord, withElapsed } from '../../src/cli/terminal.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (s: string) => chunks.push(s) > 0 };
}

describe('terminal', () => {
  it('colours only a TTY, and NO_COLOR / FORCE_COLOR win', () => {
    expect(colorEnabled(sink(true), {})).toBe(true);
    expect(colorEnabled(sink(false), {})).toBe(false);
    expect(colorEnabled(sink(true), { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(sink(false), { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(sink(true), { FORCE_COLOR: '0' })).toBe(false);
  });

  it('highlights INVALID when colour is on and prints plain words when off', () => {
    expect(verdictWord(false, colorsFor(sink(false), {}))).toBe('INVALID');
    const on = verdictWord(false, colorsFor(sink(false), { FORCE_COLOR: '1' }));
    expect(on).toContain('INVALID');
    expect(on).not.toBe('INVALID');
  });

  it('writes plain progress lines off a TTY, throttled, and nothing when silent', () => {
    const out = sink(false);
    const p = startProgress({ label: 'search', total: 10, unit: 'seeds', stream: out, plainIntervalMs: 0 });
    p.update(3, { failures: 1 });
    p.stop();
    p.update(4);
    expect(out.chunks).toHaveLength(1);
    expect(out.chunks[0]).toMatch(/^search: 3\/10 seeds \(.*\/s.*\), 1 failures\n$/);
    const quiet = sink(false);
    const q = startProgress({ label: 'x', unit: 'ops', stream: quiet, silent: true });
    q.update(1);
    q.stop();
    expect(quiet.chunks).toHaveLength(0);
  });
});

describe('withElapsed', () => {
  function sink(isTTY: boolean) {
    const out: string[] = [];
    return { stream: { isTTY, write: (s: string) => out.push(s) > 0 }, out };
  }
  it('shows nothing for quick work, and returns its result', async () => {
    const { stream, out } = sink(false);
    expect(await withElapsed({ label: 'checking x', stream }, async () => 7)).toBe(7);
    expect(out).toEqual([]);
  });
  it('nothing when silent, even for slow work; the error of failed work passes through', async () => {
    const { stream, out } = sink(true);
    await withElapsed(
      { label: 'checking x', stream, silent: true, delayMs: 0 },
      () => new Promise((r) => setTimeout(r, 300)),
    );
    expect(out).toEqual([]);
    await expect(
      withElapsed({ label: 'x', stream }, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
  });
  it('on a TTY, a live line with the elapsed seconds once the work is slow', async () => {
    const { stream, out } = sink(true);
    await withElapsed(
      { label: 'checking x', stream, delayMs: 50 },
      () => new Promise((r) => setTimeout(r, 700)),
    );
    expect(out.join('')).toMatch(/checking x \d+(\.\d)? s elapsed/);
  });
});
