/** linear.svg: boxes fit their labels, the legend and states fit the picture, and there is a time axis. */
import { describe, expect, it } from 'vitest';
import type { FailureReport, OpReport } from '../../checkers/linearizable/index.js';
import { renderFailureSvg } from '../../checkers/linearizable/render.js';

function op(process: number, invokeIndex: number, completeIndex: number, description: string): OpReport {
  return {
    process,
    f: 'write',
    value: 1,
    output: 1,
    outcome: completeIndex < 0 ? 'pending' : 'ok',
    invokeIndex,
    completeIndex,
    description,
  };
}

const long = 'cas key "a-rather-long-key-name" [12345 67890] → ok';
const failing = op(3, 6, 7, 'read key "a-rather-long-key-name" → 99999');
const report: FailureReport = {
  op: failing,
  explanation: 'x',
  longestPrefix: [op(1, 0, 3, long), op(2, 1, 2, long)],
  statesBefore: [67890],
  statesBeforeDescribed: ['67890'],
  statesTruncated: false,
  window: [op(4, 5, 8, long), failing, op(5, 4, -1, long)],
};

function attr(tag: string, name: string): number {
  return Number(new RegExp(`${name}="([-\\d.]+)"`).exec(tag)![1]);
}

describe('linear.svg', () => {
  const svg = renderFailureSvg(report, { timeOfIndex: (i) => i * 1_500_000 });
  const width = attr(svg.slice(0, 200), 'width');
  it('every box is as wide as its label', () => {
    const groups = svg.match(/<g class="lin-op"[\s\S]*?<\/g>/g)!;
    expect(groups).toHaveLength(5);
    for (const g of groups) {
      const rect = /<rect [^>]*>/.exec(g)![0];
      const label = /<text [^>]*>([^<]*)<\/text>/.exec(g)![1].replace(/&[a-z]+;/g, '&');
      // 11 px monospace: 6.6 px a character at most.
      expect(attr(rect, 'width')).toBeGreaterThanOrEqual(label.length * 6.6 + 4);
      expect(attr(rect, 'x') + attr(rect, 'width')).toBeLessThanOrEqual(width);
    }
  });
  it('boxes of one process never overlap', () => {
    const rects = [
      ...svg.matchAll(/<rect class="op (?:lin|bad|other)[^"]*" x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g),
    ]
      .map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: Number(m[3]) }))
      .filter((r) => r.y > 60);
    for (const a of rects)
      for (const b of rects)
        if (a !== b && a.y === b.y) expect(a.x + a.w <= b.x || b.x + b.w <= a.x).toBe(true);
  });
  it('the legend and every text line fit inside the picture', () => {
    for (const m of svg.matchAll(/<text x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)) {
      const anchorMiddle = m[0].includes('text-anchor="middle"');
      const len = m[2].replace(/&[a-z]+;/g, '&').length * 6.6;
      const right = Number(m[1]) + (anchorMiddle ? len / 2 : len);
      expect(right).toBeLessThanOrEqual(width);
    }
    expect(svg).toContain('outcome unknown (may take effect any time after its start)');
  });
  it('has a time axis labelled with the events’ times', () => {
    expect(svg).toContain('time since the test began');
    expect(svg).toMatch(/>0\.0000 s</);
    expect(svg).toMatch(/>0\.0120 s</); // index 8 at 1.5 ms each
  });
  it('without times the axis gives history indices', () => {
    expect(renderFailureSvg(report)).toMatch(/>#8</);
  });
});
