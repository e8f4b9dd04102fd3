import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../src/sim/disk.js';
import {
  ACCEPTED_FILE,
  acceptedLine,
  appendAccepted,
  recover,
  rewriteAccepted,
  writePromise,
  writeSnapshot,
} from '../../systems/paxos/storage.js';

const cmd = (i: number) => JSON.stringify({ c: 'c1', i, b: { type: 'write', msg_id: i, key: 0, value: i } });

describe('paxos storage', () => {
  it('recovers the promise and accepted slots; a later line for a slot replaces the earlier, gaps stay gaps', () => {
    const disk = new SimDisk();
    writePromise(disk, 2051);
    appendAccepted(disk, acceptedLine(1, 1025, cmd(1)) + acceptedLine(3, 1025, null));
    appendAccepted(disk, acceptedLine(1, 2050, cmd(9)));
    disk.fsync();
    const r = recover(disk);
    expect(r.promised).toBe(2051);
    expect(r.accepted.ballots).toEqual([2050, 0, 1025]);
    expect(r.accepted.values).toEqual([cmd(9), undefined, null]);
    expect(r.notes).toEqual([]);
  });

  it('drops a torn last append, keeps every synced line, and repairs the file', () => {
    const disk = new SimDisk();
    appendAccepted(disk, acceptedLine(1, 1025, cmd(1)));
    disk.fsync();
    appendAccepted(disk, acceptedLine(2, 1025, cmd(2)));
    disk.crash('torn-last-write', 0.5);
    expect(disk.read(ACCEPTED_FILE)?.endsWith('\n')).toBe(false);
    const r = recover(disk);
    expect(r.accepted.ballots).toEqual([1025]);
    expect(r.notes[0]).toMatch(/torn/);
    expect(disk.read(ACCEPTED_FILE)?.endsWith('\n')).toBe(true);
  });

  it('a damaged line drops it and what follows; unsynced appends are lost on a crash', () => {
    const disk = new SimDisk();
    disk.append(ACCEPTED_FILE, `${acceptedLine(1, 1025, cmd(1))}garbage\n${acceptedLine(2, 1025, cmd(2))}`);
    disk.fsync();
    const r = recover(disk);
    expect(r.accepted.ballots).toEqual([1025]);
    expect(r.notes[0]).toMatch(/line 2 unreadable; dropped it and 1 line/);
    appendAccepted(disk, acceptedLine(2, 1025, cmd(2)));
    disk.crash('lose-unsynced');
    expect(recover(disk).accepted.ballots).toEqual([1025]);
  });

  it('skips slots a snapshot covers (a crash between snapshot and rewrite)', () => {
    const disk = new SimDisk();
    appendAccepted(
      disk,
      acceptedLine(1, 1025, cmd(1)) + acceptedLine(2, 1025, cmd(2)) + acceptedLine(3, 1025, cmd(3)),
    );
    writeSnapshot(disk, { slot: 2, data: { kv: [['0', 2]], sessions: [] } });
    disk.fsync();
    const r = recover(disk);
    expect(r.snapshot?.slot).toBe(2);
    expect(r.accepted.ballots).toEqual([1025]);
    rewriteAccepted(disk, 2, r.accepted);
    expect(disk.read(ACCEPTED_FILE)).toBe(acceptedLine(3, 1025, cmd(3)));
  });
});
