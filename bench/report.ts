/**
 * `npm run bench -- report [--ops N] [--pages K]`: report.html of a
 * 100,000-operation run (lww-register, partitions and clock faults: a
 * linearizability failure with its window, nemesis bands, plots).
 *
 * - write: building and writing report.html from the run directory (Node);
 * - size of the file (target < 10 MB);
 * - open: headless Chromium (Debian's, through playwright-core), from
 *   navigation to the page's first drawn frame, each time in a fresh tab
 *   (target < 2 s);
 * - responsiveness: one full redraw of the timeline (what every zoom, pan
 *   and hover repaint costs) at the whole history and zoomed in.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeRunReport } from '../src/report/write.js';
import { runTest } from '../src/runner/run-test.js';
import { chromiumAvailable, launchChromium } from '../test/helpers/browser.js';
import { fmt, median, printTable } from './_table.js';

const OPEN_TARGET_MS = 2000;
const SIZE_TARGET_MB = 10;

interface PageTiming {
  openMs: number;
  setupMs: number;
  phases: Record<string, number>;
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export default async function main(args: string[]): Promise<void> {
  const ops = flag(args, '--ops', 100_000);
  const pages = flag(args, '--pages', 5);
  if (!chromiumAvailable()) {
    process.stderr.write('bench report: /usr/bin/chromium is missing (apt-get install chromium)\n');
    process.exitCode = 254;
    return;
  }
  const store = mkdtempSync(join(tmpdir(), 'faultline-bench-report-'));
  try {
    const rate = 500;
    process.stdout.write(`simulating ${ops} operations (lww-register, ${rate} ops/s, partition + clock)…\n`);
    const run = await runTest(
      {
        system: 'lww-register',
        workload: 'register',
        nemesis: ['partition', 'clock'],
        seed: 1,
        timeLimitS: ops / rate,
        rateOpsPerS: rate,
        concurrency: 10,
      },
      { storeDir: store, startedAtIso: new Date().toISOString() },
    );
    const writeMs: number[] = [];
    let path = '';
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      path = writeRunReport(run.dir);
      writeMs.push(performance.now() - t0);
    }
    const sizeMB = statSync(path).size / 1e6;
    const invocations = run.summary.counts.invoke;

    // A 1,000-operation report opened the same way: what a tab and a navigation cost by themselves.
    const small = await runTest(
      {
        system: 'lww-register',
        workload: 'register',
        nemesis: ['partition', 'clock'],
        seed: 1,
        timeLimitS: 1000 / rate,
        rateOpsPerS: rate,
        concurrency: 10,
      },
      { storeDir: store, startedAtIso: new Date(Date.now() + 1000).toISOString() },
    );
    const smallPath = 'path' in small.report ? small.report.path : writeRunReport(small.dir);
    const browser = await launchChromium();
    const timings: PageTiming[] = [];
    const smallOpen: number[] = [];
    const redrawFullMs: number[] = [];
    const redrawZoomedMs: number[] = [];
    try {
      for (let i = 0; i < pages; i++) {
        const page = await browser.newPage(1400, 900);
        const t0 = performance.now();
        await page.goto(pathToFileURL(path).href);
        await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
        const openMs = performance.now() - t0;
        const inPage = (await page.evaluate(() => {
          const f = (
            globalThis as unknown as { __faultline: { setupMs: number; phases: Record<string, number> } }
          ).__faultline;
          return { setupMs: f.setupMs, phases: f.phases };
        })) as { setupMs: number; phases: Record<string, number> };
        timings.push({ openMs, ...inPage });
        if (i === 0) {
          const redraw = () =>
            page.evaluate(
              () =>
                (
                  globalThis as unknown as { __faultline: { timeRedraw(): { timelineMs: number } } }
                ).__faultline.timeRedraw().timelineMs,
            );
          for (let k = 0; k < 10; k++) redrawFullMs.push(await redraw());
          await page.click('#tl-failing');
          for (let k = 0; k < 10; k++) redrawZoomedMs.push(await redraw());
        }
        await page.close();
        const p2 = await browser.newPage(1400, 900);
        const t1 = performance.now();
        await p2.goto(pathToFileURL(smallPath).href);
        await p2.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
        smallOpen.push(performance.now() - t1);
        await p2.close();
      }
    } finally {
      await browser.close();
    }
    const open = timings.map((t) => t.openMs);
    const openMedian = median(open);
    printTable(
      `report.html of a ${invocations.toLocaleString('en-US')}-operation run (${run.summary.opCount.toLocaleString('en-US')} history events; verdict ${String(run.valid)}); Chromium ${pages} fresh tabs`,
      ['measure', 'value', 'target', 'met'],
      [
        [
          'file size',
          `${sizeMB.toFixed(2)} MB`,
          `< ${SIZE_TARGET_MB} MB`,
          sizeMB < SIZE_TARGET_MB ? 'yes' : 'NO',
        ],
        [
          'open in Chromium (median)',
          fmt.ms(openMedian),
          `< ${OPEN_TARGET_MS} ms`,
          openMedian < OPEN_TARGET_MS ? 'yes' : 'NO',
        ],
        ['open in Chromium (max)', fmt.ms(Math.max(...open)), '', ''],
        [
          `  baseline: a ${small.summary.counts.invoke}-operation report (median)`,
          fmt.ms(median(smallOpen)),
          '',
          '',
        ],
        [
          '  of which page script to first frame (median)',
          fmt.ms(median(timings.map((t) => t.setupMs))),
          '',
          '',
        ],
        [
          'timeline redraw, whole history (median)',
          fmt.ms(median(redrawFullMs)),
          '< 16.7 ms (a frame)',
          median(redrawFullMs) < 16.7 ? 'yes' : 'NO',
        ],
        [
          'timeline redraw, failing window (median)',
          fmt.ms(median(redrawZoomedMs)),
          '< 16.7 ms',
          median(redrawZoomedMs) < 16.7 ? 'yes' : 'NO',
        ],
        ['write report.html in Node (median of 3)', fmt.ms(median(writeMs)), '', ''],
      ],
    );
    const phases = timings[0].phases;
    process.stdout.write(
      `page phases of the first tab (ms since the script began): ${Object.entries(phases)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n`,
    );
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}
