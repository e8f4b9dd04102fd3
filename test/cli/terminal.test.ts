import { describe, expect, it } from 'vitest';
import { colorEnabled, colorsFor, startProgress, verdictWord } from '../../src/cli/terminal.js';

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
