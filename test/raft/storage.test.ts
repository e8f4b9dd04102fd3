import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../src/sim/disk.js';
import {
  appendEntries,
  LOG_FILE,
  recover,
  rewriteLog,
  writeMeta,
  writeSnapshot,
} from '../../systems/raft/storage.js';

const cmd = (i: number) => JSON.stringify({ c: 'c1', i, b: { type: 'write', msg_id: i, key: 0, value: i } });

describe('raft storage', () => {
  it('recovers meta, snapshot and log; a re-appended index truncates what followed it', () => {
    const disk = new SimDisk();
    writeMeta(disk, { term: 3, vote: 'n2' });
    appendEntries(disk, 0, [1, 1, 2], [null, cmd(1), cmd(2)], 0);
    // A follower's conflict at index 2: one append of the replacement, no rewrite.
    appendEntries(disk, 0, [1, 3], [null, cmd(9)], 1);
    disk.fsync();
    const r = recover(disk);
    expect(r.meta).toEqual({ term: 3, vote: 'n2' });
    expect(r.terms).toEqual([1, 3]);
    expect(r.commands[1]).toEqual(cmd(9));
    expect(r.notes).toEqual([]);
  });

  it('drops a torn last append, keeps every synced entry, and repairs the file', () => {
    const disk = new SimDisk();
    appendEntries(disk, 0, [1, 1], [null, cmd(1)], 0);
    disk.fsync();
    appendEntries(disk, 0, [1, 1, 1], [null, cmd(1), cmd(2)], 2);
    disk.crash('torn-last-write', 0.5);
    expect(disk.read(LOG_FILE)?.endsWith('\n')).toBe(false);
    const r = recover(disk);
    expect(r.terms).toEqual([1, 1]);
    expect(r.notes[0]).toMatch(/torn/);
    // The repaired file ends cleanly, so later appends start on a fresh line.
    expect(disk.read(LOG_FILE)?.endsWith('\n')).toBe(true);
    appendEntries(disk, 0, [1, 1, 4], [null, cmd(1), cmd(3)], 2);
    expect(recover(disk).terms).toEqual([1, 1, 4]);
  });

  it('loses unsynced appends on a crash', () => {
    const disk = new SimDisk();
    appendEntries(disk, 0, [1], [null], 0);
    disk.fsync();
    appendEntries(disk, 0, [1, 1], [null, cmd(1)], 1);
    disk.crash('lose-unsynced');
    expect(recover(disk).terms).toEqual([1]);
  });

  it('skips log entries a snapshot covers (crash between snapshot and log rewrite)', () => {
    const disk = new SimDisk();
    appendEntries(disk, 0, [1, 1, 2], [null, cmd(1), cmd(2)], 0);
    writeSnapshot(disk, { lastIndex: 2, lastTerm: 1, data: { kv: [['0', 1]], sessions: [] } });
    disk.fsync();
    const r = recover(disk);
    expect(r.snapshot?.lastIndex).toBe(2);
    expect(r.terms).toEqual([2]);
    rewriteLog(disk, 2, r.terms, r.commands);
    expect(recover(disk).terms).toEqual([2]);
  });
});
