/** Shared helpers for benchmark scripts: a plain-text table and peak-memory sampling. */

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of cells.slice(1)) process.stdout.write(`${line(r)}\n`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Samples RSS every few ms while `fn` runs; returns the peak in MiB (plus the result). */
export async function withPeakRss<T>(fn: () => Promise<T> | T): Promise<{ result: T; peakRssMiB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakRssMiB: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

export const fmt = {
  ms: (x: number) => `${x.toFixed(1)} ms`,
  s: (x: number) => `${x.toFixed(3)} s`,
  mib: (x: number) => `${x.toFixed(0)} MiB`,
  ratio: (x: number) => `${x.toFixed(2)}×`,
  int: (x: number) => Math.round(x).toLocaleString('en-US'),
};
