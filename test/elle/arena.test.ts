/**
 * The Elle checkers keep one arena block per process and reuse it, check
 * after check. Sequential checks in one process, smaller after larger and
 * larger after smaller, must give exactly what each gives in a process of its
 * own (here: a fresh copy of the checker modules, so a fresh arena), and no
 * result may keep pointing into the block the next check overwrites.
 */
import { describe, expect, it, vi } from 'vitest';
import { generateListAppend, variantOptions } from '../../bench/_elle-gen.js';
import { i32, keptArenaBytes, u8, withArena } from '../../checkers/elle/arena.js';
import { checkListAppend, checkRwRegister, type ElleOptions } from '../../checkers/elle/index.js';
import type { Op } from '../../src/history/op.js';

const MODELS: ElleOptions = { consistencyModels: ['serializable', 'strict-serializable'] };

/** The same history as rw-register: an append writes its value, a read returns the list's last element. */
function asRegister(history: readonly Op[]): Op[] {
  return history.map((op) => ({
    ...op,
    value: (op.value as [string, unknown, unknown][]).map(([f, k, v]) =>
      f === 'append' ? ['w', k, v] : ['r', k, Array.isArray(v) ? (v.length > 0 ? v[v.length - 1] : null) : v],
    ),
  }));
}

type Check = (h: readonly Op[], o: ElleOptions) => Promise<unknown>;

/** Checkers from a fresh copy of the modules: an arena no earlier check has touched. */
async function freshCheckers(): Promise<{ la: Check; rw: Check; kept: () => number }> {
  vi.resetModules();
  const index = await import('../../checkers/elle/index.js');
  const arena = await import('../../checkers/elle/arena.js');
  return { la: index.checkListAppend, rw: index.checkRwRegister, kept: arena.keptArenaBytes };
}

describe('elle arena reuse across checks in one process', () => {
  const big = generateListAppend({ txns: 12_000, seed: 'arena-big', ...variantOptions('anomalies') });
  const bigger = generateListAppend({ txns: 20_000, seed: 'arena-bigger', ...variantOptions('anomalies') });
  const small = generateListAppend({
    txns: 1_500,
    seed: 'arena-small',
    staleReadRate: 0.02,
    abortedReadRate: 0.01,
  });
  const clean = generateListAppend({ txns: 3_000, seed: 'arena-clean', ...variantOptions('serializable') });
  const runs: [string, Check, readonly Op[]][] = [
    ['big', checkListAppend, big],
    ['small after big', checkListAppend, small],
    ['serializable after small', checkListAppend, clean],
    ['bigger after smaller', checkListAppend, bigger],
    ['rw-register after list-append', checkRwRegister, asRegister(small)],
    ['big again', checkListAppend, big],
    ['small again', checkListAppend, small],
  ];

  it('gives each check the result it gets in a process of its own; results stay intact', async () => {
    // In sequence, on this module instance's arena.
    const seqResults: unknown[] = [];
    const snapshots: unknown[] = [];
    for (const [, check, h] of runs) {
      const r = await check(h, MODELS);
      seqResults.push(r);
      snapshots.push(structuredClone(r));
    }
    // Later checks overwrote the block: earlier results must not have changed.
    for (let i = 0; i < runs.length; i++) expect(seqResults[i], runs[i][0]).toEqual(snapshots[i]);
    // Each alone, on a fresh arena.
    for (let i = 0; i < runs.length; i++) {
      const [name, , h] = runs[i];
      const fresh = await freshCheckers();
      const check = runs[i][1] === checkRwRegister ? fresh.rw : fresh.la;
      expect(await check(h, MODELS), name).toEqual(snapshots[i]);
    }
    // The histories do hold anomalies, found the same way each time.
    expect((snapshots[0] as { valid: unknown }).valid).toBe(false);
    expect((snapshots[1] as { valid: unknown }).valid).toBe(false);
    expect((snapshots[2] as { valid: unknown }).valid).toBe(true);
  });

  it('keeps one block, grown only for a bigger history', async () => {
    const { la, kept } = await freshCheckers();
    expect(kept()).toBe(0);
    await la(big, MODELS);
    const afterBig = kept();
    expect(afterBig).toBeGreaterThan(0);
    await la(small, MODELS);
    expect(kept()).toBe(afterBig);
    await la(bigger, MODELS);
    const afterBigger = kept();
    expect(afterBigger).toBeGreaterThan(afterBig);
    await la(big, MODELS);
    expect(kept()).toBe(afterBigger);
  });
});

describe('elle arena', () => {
  it('hands out zeroed memory, even where an earlier check wrote', () => {
    withArena(1 << 20, () => {
      i32(1000).fill(-1);
      u8(4096).fill(255);
    });
    withArena(1 << 20, () => {
      expect(i32(1000).every((x) => x === 0)).toBe(true);
      expect(u8(4096).every((x) => x === 0)).toBe(true);
    });
    expect(keptArenaBytes()).toBeGreaterThanOrEqual(1 << 20);
  });

  it('gives a nested arena a block of its own', () => {
    withArena(1 << 20, () => {
      const outer = i32(256).fill(7);
      withArena(1 << 20, () => {
        const inner = i32(256);
        expect(inner.every((x) => x === 0)).toBe(true);
        inner.fill(9);
      });
      const after = i32(256);
      expect(outer.every((x) => x === 7)).toBe(true);
      expect(after.every((x) => x === 0)).toBe(true);
    });
  });

  it('allocates normally once the block is used up, and outside any arena', () => {
    withArena(1 << 20, () => {
      withArena(0, () => {
        const a = i32(1 << 16).fill(3);
        expect(a.length).toBe(1 << 16);
        expect(a.buffer).toBeInstanceOf(ArrayBuffer);
      });
      expect(i32(8).buffer).not.toBeInstanceOf(ArrayBuffer);
    });
    expect(i32(8).buffer).toBeInstanceOf(ArrayBuffer);
  });
});
