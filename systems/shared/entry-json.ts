/**
 * Log entries of the replicated systems travel and sit on disk as JSON text,
 * and each node parses an entry when it applies it, and its whole log again
 * when it recovers from a crash: in a search, parsing the same texts over and
 * over was a seventh of a seed's CPU time. The simulator runs every node of a
 * cluster in one process, so one parse per distinct text serves them all.
 *
 * What comes back is deep-frozen, so sharing it cannot be seen: a node that
 * tried to change a value it holds would throw (a strict-mode TypeError)
 * instead of changing another node's state. It is a pure function of the
 * text, so runs stay the same, byte for byte; the memo forgets everything
 * when it grows past its bound (an entry text is ~100 bytes).
 */
const memo = new Map<string, unknown>();
const MEMO_MAX_ENTRIES = 20_000;

/** JSON.parse(text), frozen to the leaves and shared; throws SyntaxError as JSON.parse does. */
export function parseEntryJson(text: string): unknown {
  const hit = memo.get(text);
  if (hit !== undefined) return hit;
  const value = deepFreeze(JSON.parse(text));
  if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
  memo.set(text, value);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (const v of value) deepFreeze(v);
  } else {
    for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
  }
  return Object.freeze(value);
}
