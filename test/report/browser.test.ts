/**
 * report.html in a real browser: starts `faultline serve` (a process) on a
 * free loopback port, drives Debian's Chromium headless through
 * playwright-core, opens a failing lww-register run and an Elle failure, and
 * checks what the page draws. Screenshots go to a folder it prints
 * (FAULTLINE_SCREENSHOTS to choose it). Skipped only where Chromium is
 * missing outside CI; `.ci/run` installs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/history/jsonl.js';
import { runTest } from '../../src/runner/run-test.js';
import { chromiumAvailable, type LaunchedBrowser, launchChromium } from '../helpers/browser.js';
import { REPO_ROOT } from '../helpers/paths.js';

const ISO = '2026-11-22T05:30:00.000Z';

/** The little of the DOM the page functions below use (the project's tsconfig has no DOM library). */
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
interface PageGlobals {
  document: { getElementById(id: string): PageCanvas };
  devicePixelRatio?: number;
}
const run = chromiumAvailable() || process.env.CI !== undefined;

let root: string;
let store: string;
let shots: string;
let serve: ChildProcess | undefined;
let baseUrl: string;
let browser: LaunchedBrowser | undefined;
let linPath: string;
let ellePath: string;

function startServe(storeDir: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'test/helpers/faultline-main.ts'),
      'serve',
      '--store',
      storeDir,
      '--port',
      '0',
      '--json',
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  serve = child;
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`faultline serve did not start: ${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('exit', (code) => reject(new Error(`faultline serve exited ${code}: ${err}`)));
  });
}

async function openReport(path: string): Promise<Page> {
  const page = await browser!.newPage(1400, 1000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Reached from the store's table, as a person would.
  await page.goto(baseUrl);
  await page.click(`tr[data-path="${path}"] a.report`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  expect(errors).toEqual([]);
  return page;
}

/** Pixels of the timeline canvas in a horizontal strip that are not background. */
async function inkInStrip(
  page: Page,
  y0: number,
  y1: number,
  color?: [number, number, number],
): Promise<number> {
  return page.evaluate(
    ([a, b, c]) => {
      const g = globalThis as unknown as PageGlobals;
      const canvas = g.document.getElementById('tl-canvas');
      const ctx = canvas.getContext('2d');
      const dpr = g.devicePixelRatio || 1;
      const img = ctx.getImageData(0, Math.round(a * dpr), canvas.width, Math.round((b - a) * dpr)).data;
      let n = 0;
      for (let i = 0; i < img.length; i += 4) {
        const [r, g, bl, al] = [img[i], img[i + 1], img[i + 2], img[i + 3]];
        if (al === 0) continue;
        if (c) {
          if (Math.abs(r - c[0]) < 30 && Math.abs(g - c[1]) < 30 && Math.abs(bl - c[2]) < 30) n++;
        } else if (!(r > 240 && g > 240 && bl > 240)) n++;
      }
      return n;
    },
    [y0, y1, color] as const,
  );
}

describe.skipIf(!run)('report.html in Chromium', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'faultline-browser-'));
    store = join(root, 'store');
    shots = process.env.FAULTLINE_SCREENSHOTS ?? join(tmpdir(), `faultline-screenshots-${process.pid}`);
    mkdirSync(shots, { recursive: true });
    const lin = await runTest(
      {
        system: 'lww-register',
        workload: 'register',
        nemesis: ['partition', 'clock'],
        seed: 3,
        timeLimitS: 20,
      },
      { storeDir: store, startedAtIso: ISO },
    );
    const elle = await runTest(
      {
        system: 'single-register',
        workload: 'list-append',
        nemesis: ['partition', 'kill', 'pause', 'clock', 'loss', 'duplication', 'disk'],
        bugs: ['no-fsync'],
        seed: 2,
        timeLimitS: 20,
      },
      { storeDir: store, startedAtIso: ISO },
    );
    expect(lin.valid).toBe(false);
    expect(elle.valid).toBe(false);
    linPath = lin.dir.slice(store.length + 1);
    ellePath = elle.dir.slice(store.length + 1);
    baseUrl = await startServe(store);
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve!.once('exit', r));
      serve.kill('SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
    process.stdout.write(`report screenshots: ${shots}\n`);
  });

  it('a failing lww-register run: every operation on the timeline, nemesis bands, the failing window', async () => {
    const page = await openReport(linPath);
    const history = parseJsonl(readFileSync(join(store, linPath, 'history.jsonl'), 'utf8'), 'h').ops;
    const invocations = history.filter((o) => o.type === 'invoke' && o.process !== 'nemesis').length;
    const faults = history.filter(
      (o) => o.process === 'nemesis' && o.type === 'invoke' && o.f?.startsWith('start-'),
    ).length;
    const tl = page.locator('#timeline');
    expect(await tl.getAttribute('data-ops')).toBe(String(invocations));
    expect(await tl.getAttribute('data-ops-in-view')).toBe(String(invocations));
    expect(await tl.getAttribute('data-nemesis-bands')).toBe(String(faults));
    expect(await tl.getAttribute('data-failing-window')).toBe('1');
    // The bands are drawn in their rows above the lanes (partition purple, clock amber).
    expect(await inkInStrip(page, 26, 36, [0x9b, 0x6f, 0xd1])).toBeGreaterThan(100);
    expect(await inkInStrip(page, 40, 50, [0xe0, 0xa1, 0x00])).toBeGreaterThan(100);
    await page.locator('#timeline').screenshot({ path: join(shots, 'lww-timeline.png') });

    await page.click('#tl-failing');
    await page.waitForTimeout(200);
    const inView = Number(await tl.getAttribute('data-ops-in-view'));
    expect(inView).toBeGreaterThan(0);
    expect(inView).toBeLessThan(invocations);
    // The window's dashed red outline and the failing op's red box.
    expect(await inkInStrip(page, 60, 200, [0xc6, 0x28, 0x28])).toBeGreaterThan(50);
    await page.locator('#timeline').screenshot({ path: join(shots, 'lww-failing-window.png') });

    // Hover an operation: its details; click it: its rows in the history.
    const box = (await page.locator('#tl-canvas').boundingBox())!;
    const hit = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const c = g.document.getElementById('tl-canvas');
      const ctx = c.getContext('2d');
      const dpr = g.devicePixelRatio || 1;
      // Find a green (ok) pixel in the lanes.
      const img = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let y = Math.round(80 * dpr); y < c.height; y += 2)
        for (let x = Math.round(120 * dpr); x < c.width; x += 2) {
          const i = (y * c.width + x) * 4;
          if (img[i] === 0x5c && img[i + 1] === 0xb8 && img[i + 2] === 0x5c)
            return { x: x / dpr, y: y / dpr };
        }
      return null;
    });
    expect(hit).not.toBeNull();
    await page.mouse.move(box.x + hit!.x, box.y + hit!.y);
    await expect.poll(() => page.locator('#tl-tip').isVisible()).toBe(true);
    expect(await page.locator('#tl-tip').textContent()).toMatch(/^process \d+ .* ok\ninvoke {2}#\d+ at/);
    await page.mouse.click(box.x + hit!.x, box.y + hit!.y);
    const selected = await tl.getAttribute('data-selected');
    expect(selected).not.toBeNull();
    await expect.poll(() => page.locator('#history .hrow.sel').count()).toBeGreaterThan(0);
    expect(await page.locator('#history .hrow.sel .c0').first().textContent()).toBe(selected);

    // The failing window with the reachable states, as Porcupine shows them.
    expect(await page.locator('#linear-window svg .lin-op').count()).toBeGreaterThan(1);
    expect(await page.locator('#linear-prefix tr').count()).toBeGreaterThan(2);
    await page.locator('#linear').screenshot({ path: join(shots, 'lww-linearizability.png') });
    await page.locator('#plot-latency').screenshot({ path: join(shots, 'lww-latency.png') });
    await page.locator('#plot-quantiles').screenshot({ path: join(shots, 'lww-latency-quantiles.png') });
    await page.locator('#plot-rate').screenshot({ path: join(shots, 'lww-rate.png') });
    expect(await page.locator('#plot-latency canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#plot-rate canvas').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'lww-report.png'), fullPage: true });

    // Dragging across the latency plot zooms the timeline (and the other plots) to that time.
    await page.click('#tl-reset');
    await page.locator('#plot-latency').scrollIntoViewIfNeeded();
    const over = (await page.locator('#plot-latency .u-over').boundingBox())!;
    await page.mouse.move(over.x + over.width * 0.4, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.5, over.y + over.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect
      .poll(async () => Number(await tl.getAttribute('data-ops-in-view')))
      .toBeLessThan(invocations / 5);
    expect(Number(await tl.getAttribute('data-ops-in-view'))).toBeGreaterThan(0);
    await page.close();
  }, 60_000);

  it('an Elle failure: each cycle drawn as a graph with typed edges', async () => {
    const page = await openReport(ellePath);
    const results = JSON.parse(readFileSync(join(store, ellePath, 'results.json'), 'utf8'));
    const cycles = Object.values(results.result.anomalies as Record<string, { cycle?: unknown }[]>)
      .flat()
      .filter((c) => c.cycle !== undefined).length;
    expect(cycles).toBeGreaterThan(0);
    expect(await page.locator('#elle .elle-cycle svg').count()).toBe(cycles);
    const first = page.locator('#elle .elle-cycle svg').first();
    expect(await first.locator('rect.txn').count()).toBeGreaterThan(1);
    const edges = await first
      .locator('path.edge')
      .evaluateAll((ps) => ps.map((p) => p.getAttribute('class')));
    expect(edges.length).toBeGreaterThan(1);
    for (const e of edges) expect(e).toMatch(/edge-(ww|wr|rw|process|realtime)/);
    const box = await first.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    // "show on the timeline" marks the cycle's operations.
    await page.locator('#elle button.show').first().click();
    await page.waitForTimeout(300);
    expect(Number(await page.locator('#timeline').getAttribute('data-ops-in-view'))).toBeGreaterThan(0);
    await page
      .locator('#elle .elle-case')
      .first()
      .screenshot({ path: join(shots, 'elle-cycle.png') });
    await page.close();
  }, 60_000);
});
