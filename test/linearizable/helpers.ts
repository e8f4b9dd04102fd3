import type { Op } from '../../src/history/op.js';

type Event = [
  process: number | 'nemesis',
  type: Op['type'],
  f: string,
  value: unknown,
  extra?: Record<string, unknown>,
];

/** A history from compact rows: [process, type, f, value, extra?]. */
export function h(...events: Event[]): Op[] {
  return events.map(([process, type, f, value, extra], i) => ({
    index: i,
    time: i * 1000,
    type,
    process,
    f,
    value,
    ...(extra ?? {}),
  }));
}

/** A complete op by one process: invoke then ok (value = output for reads). */
export function ok(
  process: number,
  f: string,
  value: unknown,
  output = value,
  extra?: Record<string, unknown>,
): Event[] {
  return [
    [process, 'invoke', f, f === 'read' || f === 'get' || f === 'dequeue' ? null : value, extra],
    [process, 'ok', f, output, extra],
  ];
}
