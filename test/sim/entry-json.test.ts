/**
 * systems/shared/entry-json.ts: the replicated systems' parse of log entry
 * texts, shared by every node of a simulated cluster. Sharing is only sound
 * if nobody can change what is shared, and it must read exactly what
 * JSON.parse reads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEntryJson } from '../../systems/shared/entry-json.js';

describe('parseEntryJson', () => {
  it('reads what JSON.parse reads, for any JSON text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(parseEntryJson(text)).toEqual(JSON.parse(text));
      }),
    );
  });

  it('one value per text, frozen to the leaves: changing it throws instead of reaching another node', () => {
    const text = '{"c":"c1","i":3,"b":{"type":"txn","txn":[["append","x",1]],"msg_id":3}}';
    const a = parseEntryJson(text) as { b: { txn: unknown[][]; msg_id: number } };
    expect(parseEntryJson(text)).toBe(a);
    expect(() => {
      a.b.msg_id = 4;
    }).toThrow(TypeError);
    expect(() => a.b.txn[0].push(2)).toThrow(TypeError);
    expect(a.b.msg_id).toBe(3);
  });

  it('a text that is not JSON throws SyntaxError, as JSON.parse does, every time', () => {
    expect(() => parseEntryJson('{"c":')).toThrow(SyntaxError);
    expect(() => parseEntryJson('{"c":')).toThrow(SyntaxError);
  });

  it('stays bounded: past its bound it forgets, and reads the same again', () => {
    const first = parseEntryJson('{"n":-1}');
    for (let i = 0; i < 20_001; i++) parseEntryJson(`{"n":${i}}`);
    const again = parseEntryJson('{"n":-1}');
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
  });
});
