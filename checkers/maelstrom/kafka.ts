import type { Op } from '../../src/history/op.js';
import { isSequential, mapEntries, nameOf, type Value, valueKey } from '../../src/history/values.js';
import type { CheckResult } from '../types.js';
import { describeOp, MAX_EXAMPLES, pairClientOps, shortValue } from './history.js';

/**
 * Jepsen's queue checks for Maelstrom's kafka workload (jepsen.tests.kafka),
 * over the history the faultline kafka workload records:
 * - `send` (key in the op's `key`): invoked with the message, ok value `[offset, message]`;
 * - `poll`: invoked with the offsets asked for (`{key: offset}`), ok value
 *   the reply's `msgs` (`{key: [[offset, message], …]}`);
 * - `commit_offsets` and `list_committed_offsets` are recorded but not judged.
 *
 * Each key's log is rebuilt from ok sends and ok polls (offset → messages).
 * Anomalies, named as Jepsen names them:
 * - `inconsistent-offsets`: two messages at one offset of a key;
 * - `duplicate`: one message at more than one offset of a key;
 * - `lost-write`: an acknowledged send at or below an offset some poll of
 *   that key observed (Jepsen's bound: the highest first offset of any polled
 *   message), never observed by any poll;
 * - `unobserved` (Jepsen's unseen): an acknowledged send no poll ever
 *   returned, not already counted as lost;
 * - `int-nonmonotonic-poll` / `int-poll-skip`: within one poll's messages for
 *   a key, an offset not above the previous one / known offsets skipped between them;
 * - `nonmonotonic-poll` / `poll-skip`: a poll's first message for a key
 *   below the offset the poll asked for / known offsets skipped between the
 *   asked offset and the first message returned (the client asks where its
 *   last poll left off, so this is Jepsen's between-polls check as the server sees it);
 * - `nonmonotonic-send`: a process's later send to a key got an offset not
 *   above its earlier send's;
 * - `G1a`: a poll returned a message whose send definitely failed;
 * - `unexpected`: a poll returned a message never sent to that key.
 * Any anomaly → invalid; no ok send and no ok poll → unknown.
 */

export type KafkaAnomaly =
  | 'inconsistent-offsets'
  | 'duplicate'
  | 'lost-write'
  | 'unobserved'
  | 'int-nonmonotonic-poll'
  | 'int-poll-skip'
  | 'nonmonotonic-poll'
  | 'poll-skip'
  | 'nonmonotonic-send'
  | 'G1a'
  | 'unexpected';

interface KeyLog {
  /** offset → message keys → message. */
  byOffset: Map<number, Map<string, Value>>;
  /** message key → offsets it was seen at. */
  offsetsOf: Map<string, Set<number>>;
  /** message key → the ok poll that first returned it. */
  polledBy: Map<string, Op>;
  /** message key → its send's completion (or invocation, never completed). */
  sentBy: Map<string, Op>;
  /** Sorted known offsets, once built. */
  sorted?: number[];
}

interface Anomaly {
  type: KafkaAnomaly;
  key: Value;
  text: string;
  ops: number[];
}

function mapOf(v: unknown): (readonly [Value, Value])[] | undefined {
  return mapEntries(v);
}

function pairsOf(v: unknown): [number, Value][] | undefined {
  if (!isSequential(v)) return undefined;
  const out: [number, Value][] = [];
  for (const p of v) {
    if (!isSequential(p) || p.length < 2 || typeof p[0] !== 'number' || !Number.isSafeInteger(p[0]))
      return undefined;
    out.push([p[0], p[1]]);
  }
  return out;
}

export function checkKafka(history: readonly Op[]): CheckResult {
  const logs = new Map<string, { key: Value; log: KeyLog }>();
  const logOf = (key: Value): KeyLog => {
    const k = valueKey(key);
    let e = logs.get(k);
    if (!e) {
      e = {
        key,
        log: { byOffset: new Map(), offsetsOf: new Map(), polledBy: new Map(), sentBy: new Map() },
      };
      logs.set(k, e);
    }
    return e.log;
  };
  const note = (log: KeyLog, offset: number, msg: Value) => {
    const mk = valueKey(msg);
    let at = log.byOffset.get(offset);
    if (!at) {
      at = new Map();
      log.byOffset.set(offset, at);
    }
    at.set(mk, msg);
    let offs = log.offsetsOf.get(mk);
    if (!offs) {
      offs = new Set();
      log.offsetsOf.set(mk, offs);
    }
    offs.add(offset);
  };

  const normalised = normaliseJepsen(history);
  if (typeof normalised === 'string') return { valid: 'unknown', inputError: normalised };
  const paired = pairClientOps(normalised);
  if ('inputError' in paired) return { valid: 'unknown', ...paired };
  const { pairs, open } = paired;
  /** Ok assigns (Jepsen histories) in history order, for the between-polls check of polls that do not say what they asked. */
  const assigns: Op[] = [];
  const anomalies: Anomaly[] = [];
  const failedSends = new Map<string, Op>();
  let okSends = 0;
  let okPolls = 0;
  const polls: { invoke: Op; complete: Op; msgs: { key: Value; pairs: [number, Value][] }[] }[] = [];
  const sendsByProcess = new Map<unknown, Map<string, { offset: number; op: Op }>>();

  for (const inv of open) if (inv.f === 'send') logOf(inv.key as Value).sentBy.set(valueKey(inv.value), inv);
  for (const { invoke, complete } of pairs) {
    if (complete.f === 'send') {
      const key = (complete.key ?? invoke?.key) as Value;
      const log = logOf(key);
      if (complete.type === 'ok') {
        const p = isSequential(complete.value) ? complete.value : undefined;
        if (!p || p.length < 2 || typeof p[0] !== 'number' || !Number.isSafeInteger(p[0]))
          return inputError(complete, "an ok send's value must be [offset, message]");
        okSends++;
        const [offset, msg] = [p[0], p[1]];
        note(log, offset, msg);
        log.sentBy.set(valueKey(msg), complete);
        // Jepsen's nonmonotonic-send: one process's sends to a key go forward.
        let mine = sendsByProcess.get(complete.process);
        if (!mine) {
          mine = new Map();
          sendsByProcess.set(complete.process, mine);
        }
        const last = mine.get(valueKey(key));
        if (last && offset <= last.offset)
          anomalies.push({
            type: 'nonmonotonic-send',
            key,
            text: `process ${String(complete.process)} sent to key ${shortValue(key)} at offset ${offset} after its send at offset ${last.offset} (${describeOp(last.op)}), then ${describeOp(complete)}`,
            ops: [last.op.index, complete.index],
          });
        mine.set(valueKey(key), { offset, op: complete });
      } else {
        const msg = (invoke?.value ?? complete.value) as Value;
        if (complete.type === 'fail') failedSends.set(`${valueKey(key)} ${valueKey(msg)}`, complete);
        else if (!log.sentBy.has(valueKey(msg))) log.sentBy.set(valueKey(msg), complete);
      }
      continue;
    }
    if (complete.f === 'assign' && complete.type === 'ok') assigns.push(complete);
    if (complete.f !== 'poll' || complete.type !== 'ok' || invoke === undefined) continue;
    const entries = mapOf(complete.value);
    if (entries === undefined)
      return inputError(complete, "an ok poll's value must map keys to [offset, message] pairs");
    const msgs: { key: Value; pairs: [number, Value][] }[] = [];
    for (const [key, v] of entries) {
      const ps = pairsOf(v);
      if (ps === undefined)
        return inputError(complete, `poll of key ${shortValue(key)}: expected [[offset, message], …]`);
      const log = logOf(key);
      for (const [o, m] of ps) {
        note(log, o, m);
        if (!log.polledBy.has(valueKey(m))) log.polledBy.set(valueKey(m), complete);
      }
      msgs.push({ key, pairs: ps });
    }
    okPolls++;
    polls.push({ invoke, complete, msgs });
  }

  for (const { log } of logs.values()) log.sorted = [...log.byOffset.keys()].sort((a, b) => a - b);
  /** Known offsets strictly between a and b. */
  const between = (log: KeyLog, a: number, b: number): number[] => {
    const s = log.sorted!;
    const out: number[] = [];
    for (const o of s) if (o > a && o < b) out.push(o);
    return out;
  };
  const showMsgs = (log: KeyLog, offs: number[]) =>
    offs
      .slice(0, 6)
      .map((o) => `${o}:${[...log.byOffset.get(o)!.values()].map((m) => shortValue(m, 20)).join('|')}`)
      .join(', ') + (offs.length > 6 ? ', …' : '');

  // Offsets and duplicates.
  for (const { key, log } of logs.values()) {
    for (const o of log.sorted!) {
      const at = log.byOffset.get(o)!;
      if (at.size > 1) {
        const ms = [...at.values()];
        const seenBy = polls.find((p) =>
          p.msgs.some((m) => valueKey(m.key) === valueKey(key) && m.pairs.some(([po]) => po === o)),
        );
        anomalies.push({
          type: 'inconsistent-offsets',
          key,
          text: `key ${shortValue(key)} offset ${o} holds ${ms.length} messages: ${ms.map((m) => shortValue(m, 20)).join(', ')}${seenBy ? ` (e.g. ${describeOp(seenBy.complete)})` : ''}`,
          ops: seenBy ? [seenBy.complete.index] : [],
        });
      }
    }
    for (const [mk, offs] of log.offsetsOf) {
      if (offs.size < 2) continue;
      const ex = log.polledBy.get(mk) ?? log.sentBy.get(mk);
      anomalies.push({
        type: 'duplicate',
        key,
        text: `key ${shortValue(key)}: message ${mk} at offsets ${[...offs].sort((a, b) => a - b).join(', ')}${ex ? ` (e.g. ${describeOp(ex)})` : ''}`,
        ops: ex ? [ex.index] : [],
      });
    }
  }

  // Polls: G1a, unexpected, monotonic and contiguous within a poll and from the asked offset.
  for (const { invoke, complete, msgs } of polls) {
    const asked = mapOf(invoke.value) ?? [];
    for (const { key, pairs: ps } of msgs) {
      const log = logOf(key);
      for (const [, m] of ps) {
        const mk = valueKey(m);
        const failed = failedSends.get(`${valueKey(key)} ${mk}`);
        if (failed && !log.sentBy.has(mk))
          anomalies.push({
            type: 'G1a',
            key,
            text: `${describeOp(complete)} returned message ${shortValue(m)} of key ${shortValue(key)}, whose send failed (${describeOp(failed)})`,
            ops: [complete.index, failed.index],
          });
        else if (!log.sentBy.has(mk) && !failed)
          anomalies.push({
            type: 'unexpected',
            key,
            text: `${describeOp(complete)} returned message ${shortValue(m)} of key ${shortValue(key)}, which no send sent`,
            ops: [complete.index],
          });
      }
      for (let i = 1; i < ps.length; i++) {
        const [a] = ps[i - 1];
        const [b] = ps[i];
        if (b <= a)
          anomalies.push({
            type: 'int-nonmonotonic-poll',
            key,
            text: `${describeOp(complete)}: key ${shortValue(key)} offset ${b} follows offset ${a} in one poll`,
            ops: [complete.index],
          });
        else {
          const skipped = between(log, a, b);
          if (skipped.length > 0)
            anomalies.push({
              type: 'int-poll-skip',
              key,
              text: `${describeOp(complete)}: key ${shortValue(key)} jumps from offset ${a} to ${b}, skipping ${showMsgs(log, skipped)}`,
              ops: [complete.index],
            });
        }
      }
      const q = asked.find(([k]) => valueKey(k) === valueKey(key))?.[1];
      if (typeof q !== 'number' || ps.length === 0) continue;
      const first = ps[0][0];
      if (first < q)
        anomalies.push({
          type: 'nonmonotonic-poll',
          key,
          text: `${describeOp(complete)}: asked key ${shortValue(key)} from offset ${q}, got offset ${first} first`,
          ops: [invoke.index, complete.index],
        });
      else {
        const skipped = between(log, q - 1, first);
        if (skipped.length > 0)
          anomalies.push({
            type: 'poll-skip',
            key,
            text: `${describeOp(complete)}: asked key ${shortValue(key)} from offset ${q}, got offset ${first} first, skipping ${showMsgs(log, skipped)}`,
            ops: [invoke.index, complete.index],
          });
      }
    }
  }

  // Polls that do not say what they asked (Jepsen's histories): Jepsen's between-polls check per
  // process, where an ok assign keeps only the assigned keys' last reads.
  const lastRead = new Map<unknown, Map<string, { offset: number; op: Op }>>();
  let nextAssign = 0;
  for (const { invoke, complete, msgs } of polls) {
    while (nextAssign < assigns.length && assigns[nextAssign].index < complete.index) {
      const a = assigns[nextAssign++];
      const mine = lastRead.get(a.process);
      const keep = new Set((isSequential(a.value) ? a.value : []).map(valueKey));
      if (mine) for (const k of [...mine.keys()]) if (!keep.has(k)) mine.delete(k);
    }
    if (invoke.value !== null && invoke.value !== undefined) continue;
    let mine = lastRead.get(complete.process);
    if (!mine) {
      mine = new Map();
      lastRead.set(complete.process, mine);
    }
    for (const { key, pairs: ps } of msgs) {
      if (ps.length === 0) continue;
      const log = logOf(key);
      const last = mine.get(valueKey(key));
      const first = ps[0][0];
      if (last && first <= last.offset)
        anomalies.push({
          type: 'nonmonotonic-poll',
          key,
          text: `process ${String(complete.process)} polled key ${shortValue(key)} up to offset ${last.offset} (${describeOp(last.op)}), then from offset ${first} (${describeOp(complete)})`,
          ops: [last.op.index, complete.index],
        });
      else if (last) {
        const skipped = between(log, last.offset, first);
        if (skipped.length > 0)
          anomalies.push({
            type: 'poll-skip',
            key,
            text: `process ${String(complete.process)} polled key ${shortValue(key)} up to offset ${last.offset} (${describeOp(last.op)}), then from offset ${first} (${describeOp(complete)}), skipping ${showMsgs(log, skipped)}`,
            ops: [last.op.index, complete.index],
          });
      }
      mine.set(valueKey(key), { offset: ps[ps.length - 1][0], op: complete });
    }
  }

  // Lost and unobserved acknowledged sends.
  const unobserved: { key: Value; count: number; messages: Value[] }[] = [];
  for (const { key, log } of logs.values()) {
    let bound = -Infinity;
    let boundPoll: Op | undefined;
    for (const [mk, p] of log.polledBy) {
      const first = Math.min(...log.offsetsOf.get(mk)!);
      if (first > bound) {
        bound = first;
        boundPoll = p;
      }
    }
    const notSeen: Value[] = [];
    for (const [mk, send] of log.sentBy) {
      if (send.type !== 'ok' || log.polledBy.has(mk)) continue;
      const offs = log.offsetsOf.get(mk);
      const last = offs ? Math.max(...offs) : undefined;
      const msg = (isSequential(send.value) ? send.value[1] : send.value) as Value;
      if (last !== undefined && last <= bound)
        anomalies.push({
          type: 'lost-write',
          key,
          text: `key ${shortValue(key)}: ${describeOp(send)} was acknowledged at offset ${last}, but no poll returned it, though ${boundPoll ? describeOp(boundPoll) : 'a poll'} read up to offset ${bound}`,
          ops: [send.index, ...(boundPoll ? [boundPoll.index] : [])],
        });
      else notSeen.push(msg);
    }
    if (notSeen.length > 0) {
      unobserved.push({ key, count: notSeen.length, messages: notSeen.slice(0, 32) });
      anomalies.push({
        type: 'unobserved',
        key,
        text: `key ${shortValue(key)}: ${notSeen.length} acknowledged messages never polled, e.g. ${shortValue(notSeen.slice(0, 5))}`,
        ops: [],
      });
    }
  }

  const byType = new Map<KafkaAnomaly, Anomaly[]>();
  for (const a of anomalies) {
    const list = byType.get(a.type) ?? [];
    list.push(a);
    byType.set(a.type, list);
  }
  const errorTypes = [...byType.keys()].sort();
  const errors: Record<string, { count: number; examples: { key: Value; text: string; ops: number[] }[] }> =
    {};
  for (const t of errorTypes) {
    const list = byType.get(t)!;
    errors[t] = {
      count: t === 'unobserved' ? unobserved.reduce((s, u) => s + u.count, 0) : list.length,
      examples: list.slice(0, MAX_EXAMPLES).map(({ key, text, ops }) => ({ key, text, ops })),
    };
  }
  const report = errorTypes.flatMap((t) =>
    byType
      .get(t)!
      .slice(0, 3)
      .map((a) => `${t}: ${a.text}`),
  );
  const base = {
    sendOkCount: okSends,
    pollOkCount: okPolls,
    keyCount: logs.size,
    errorTypes,
    errors,
    ...(unobserved.length > 0 ? { unobserved } : {}),
  };
  if (anomalies.length > 0)
    return {
      valid: false,
      summary: errorTypes.map((t) => `${errors[t].count} ${t}`).join(', '),
      ...base,
      report,
    };
  if (okSends === 0 && okPolls === 0)
    return { valid: 'unknown', summary: 'no send or poll completed ok: nothing to judge', ...base };
  return {
    valid: true,
    summary: `${okSends} acknowledged sends, ${okPolls} polls over ${logs.size} keys: every send polled, offsets consistent`,
    ...base,
  };
}

/**
 * Jepsen's kafka histories (Maelstrom's own store) in the shapes above:
 * `send` / `poll` values are one-micro-op transactions, `[[:send k [offset msg]]]`
 * and `[[:poll {k [[offset msg] …]}]]`; a poll's invocation asks nothing (its
 * value becomes null: judged between polls of its process). Other ops pass
 * through. A transaction of several micro-ops is refused by name.
 */
function normaliseJepsen(history: readonly Op[]): Op[] | string {
  const out: Op[] = [];
  for (const op of history) {
    const v = op.value;
    const mop = isSequential(v) && v.length > 0 && isSequential(v[0]) ? v[0] : undefined;
    const fn = mop ? nameOf(mop[0]) : undefined;
    if ((op.f !== 'send' && op.f !== 'poll') || fn !== op.f) {
      out.push(op);
      continue;
    }
    if ((v as unknown[]).length !== 1)
      return `${describeOp(op)}: a transaction of ${(v as unknown[]).length} micro-ops; only single sends and polls are checked`;
    if (fn === 'send') out.push({ ...op, key: mop![1], value: mop![2] ?? null });
    else out.push({ ...op, value: op.type === 'invoke' ? null : (mop![1] ?? null) });
  }
  return out;
}

function inputError(op: Op, what: string): CheckResult {
  return { valid: 'unknown', inputError: `${describeOp(op)}: ${what}`, inputErrorIndex: op.index };
}
