/**
 * Elle's consistency-model lattice and anomaly taxonomy, as in Jepsen's
 * `elle.consistency-model` (jepsen-io/elle, 2024: with `update-atomic`,
 * which replaced ROLA): which anomalies imply which, which models proscribe
 * which anomalies, and which models imply which. These tables are Elle's,
 * entry for entry; test/elle/lattice.test.ts checks every model against
 * every anomaly. From these we
 * derive (a) the anomaly types worth searching for, given the models the user
 * wants checked, and (b) the `not` / `also-not` boundary of a set of
 * anomalies found.
 *
 * Names are Elle's, spelled as Elle spells them (keywords without the colon).
 */

type Dag = ReadonlyMap<string, readonly string[]>;

function dag(edges: Record<string, readonly string[]>, rename: (s: string) => string = (s) => s): Dag {
  const out = new Map<string, string[]>();
  for (const [from, tos] of Object.entries(edges)) {
    const f = rename(from);
    const list = out.get(f) ?? [];
    for (const t of tos) {
      const tt = rename(t);
      if (!list.includes(tt)) list.push(tt);
    }
    out.set(f, list);
  }
  return out;
}

function invert(g: Dag): Dag {
  const out = new Map<string, string[]>();
  for (const [from, tos] of g) {
    for (const t of tos) {
      const list = out.get(t) ?? [];
      list.push(from);
      out.set(t, list);
    }
  }
  return out;
}

/** Everything reachable from `starts` (inclusive) following `g`. */
function reach(g: Dag, starts: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack = [...starts];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const y of g.get(x) ?? []) if (!seen.has(y)) stack.push(y);
  }
  return seen;
}

/** If a → b, an anomaly a is also an instance of b. */
const IMPLIED_ANOMALIES = dag({
  G0: ['G1c', 'G0-process'],
  'G0-process': ['G1c-process', 'G0-realtime'],
  'G0-realtime': ['G1c-realtime'],
  G1a: ['G1'],
  G1b: ['G1'],
  G1c: ['G1', 'G1c-process'],
  'G1c-process': ['G1c-realtime', 'G1-process'],
  'G1c-realtime': ['G1-realtime'],
  G1: ['G1-process'],
  'G1-process': ['G1-realtime'],
  'G-single-item': ['G-single', 'G-single-item-process', 'G-nonadjacent-item'],
  'G-single-item-process': ['G-single-process', 'G-single-item-realtime', 'G-nonadjacent-item-process'],
  'G-single-item-realtime': ['G-single-realtime', 'G-nonadjacent-item-realtime'],
  'G-single': ['G-nonadjacent', 'GSIb', 'G-single-process'],
  'G-single-process': ['G-nonadjacent-process', 'G-single-realtime'],
  'G-single-realtime': ['G-nonadjacent-realtime'],
  'G-nonadjacent-item': ['G-nonadjacent', 'G2-item', 'G-nonadjacent-item-process'],
  'G-nonadjacent-item-process': ['G-nonadjacent-process', 'G2-item-process', 'G-nonadjacent-item-realtime'],
  'G-nonadjacent-item-realtime': ['G2-item-realtime', 'G-nonadjacent-realtime'],
  'G-nonadjacent': ['G2', 'G-nonadjacent-process'],
  'G-nonadjacent-process': ['G2-process', 'G-nonadjacent-realtime'],
  'G-nonadjacent-realtime': ['G2-realtime'],
  G2: ['G2-process'],
  'G2-item': ['G2', 'G2-item-process'],
  'G2-item-process': ['G2-process', 'G2-item-realtime'],
  'G2-item-realtime': ['G2-realtime'],
  'G2-process': ['G2-realtime'],
  GSIa: ['GSI'],
  GSIb: ['GSI'],
  'incompatible-order': ['G1a'],
  'future-read': ['G1c'],
  'dirty-update': ['G1a'],
  // Not in Elle: a read of a value no transaction ever wrote. Like a dirty
  // read it shows a state no committed transaction produced.
  'garbage-read': ['G1a'],
  'lost-update': ['write-skew', 'G2-item'],
  'write-skew': ['G2'],
});
const IMPLYING_ANOMALIES = invert(IMPLIED_ANOMALIES);

const CANONICAL: Readonly<Record<string, string>> = {
  'consistent-view': 'PL-2+',
  'conflict-serializable': 'PL-3',
  'cursor-stability': 'PL-CS',
  'forward-consistent-view': 'PL-FCV',
  'monotonic-snapshot-read': 'PL-MSR',
  'monotonic-view': 'PL-2L',
  'read-committed': 'PL-2',
  'read-uncommitted': 'PL-1',
  'repeatable-read': 'PL-2.99',
  serializable: 'PL-3',
  'snapshot-isolation': 'PL-SI',
  'strict-serializable': 'PL-SS',
  'strong-serializable': 'PL-SS',
  'update-serializable': 'PL-3U',
  'strong-session-read-uncommitted': 'strong-session-PL-1',
  'strong-session-read-committed': 'strong-session-PL-2',
  'strong-read-uncommitted': 'strong-PL-1',
  'strong-read-committed': 'strong-PL-2',
};

const FRIENDLY: Readonly<Record<string, string>> = (() => {
  const out: Record<string, string> = {};
  for (const [friendly, canonical] of Object.entries(CANONICAL)) out[canonical] ??= friendly;
  out['PL-3'] = 'serializable';
  out['PL-SS'] = 'strict-serializable';
  return out;
})();

export function canonicalModelName(m: string): string {
  return CANONICAL[m] ?? m;
}

export function friendlyModelName(m: string): string {
  return FRIENDLY[m] ?? m;
}

/** a → b: a history satisfying a also satisfies b. Canonical names. */
const MODELS = dag(
  {
    'causal-cerone': ['read-atomic'],
    'consistent-view': ['cursor-stability', 'monotonic-view'],
    'conflict-serializable': ['view-serializable'],
    'cursor-stability': ['read-committed', 'PL-2'],
    'forward-consistent-view': ['consistent-view'],
    'PL-2': ['PL-1'],
    'PL-3': ['repeatable-read', 'update-serializable'],
    'update-serializable': ['forward-consistent-view'],
    'monotonic-atomic-view': ['read-committed'],
    'monotonic-view': ['PL-2'],
    'monotonic-snapshot-read': ['PL-2'],
    'parallel-snapshot-isolation': ['causal-cerone', 'update-atomic'],
    prefix: ['causal-cerone'],
    'read-atomic': ['monotonic-atomic-view'],
    'read-committed': ['read-uncommitted'],
    'repeatable-read': ['cursor-stability', 'monotonic-atomic-view'],
    'update-atomic': ['read-atomic'],
    serializable: ['repeatable-read', 'snapshot-isolation', 'view-serializable'],
    'session-serializable': ['1SR'],
    'snapshot-isolation': [
      'forward-consistent-view',
      'monotonic-atomic-view',
      'monotonic-snapshot-read',
      'parallel-snapshot-isolation',
      'prefix',
    ],
    'strict-serializable': [
      'PL-3',
      'serializable',
      'linearizable',
      'snapshot-isolation',
      'strong-snapshot-isolation',
      'strong-session-serializable',
    ],
    'strong-session-PL-1': ['PL-1'],
    'strong-session-PL-2': ['PL-2', 'strong-session-PL-1'],
    'strong-PL-1': ['strong-session-PL-1'],
    'strong-PL-2': ['strong-session-PL-2', 'strong-PL-1'],
    'strong-session-serializable': ['serializable', 'strong-session-snapshot-isolation'],
    'strong-session-snapshot-isolation': ['snapshot-isolation', 'strong-session-PL-2'],
    'strong-serializable': ['session-serializable'],
    'strong-snapshot-isolation': ['strong-session-snapshot-isolation', 'strong-PL-2'],
    linearizable: ['sequential'],
    sequential: ['causal'],
    causal: ['writes-follow-reads', 'PRAM'],
    PRAM: ['monotonic-reads', 'monotonic-writes', 'read-your-writes'],
  },
  canonicalModelName,
);
const MODELS_IN = invert(MODELS);

/** Model → anomalies it directly proscribes (beyond those of weaker models). Canonical names. */
const DIRECT_PROSCRIBED = dag(
  {
    'causal-cerone': ['internal', 'G1a'],
    'cursor-stability': ['G1', 'G-cursor', 'lost-update'],
    'monotonic-view': ['G1', 'G-monotonic'],
    'monotonic-snapshot-read': ['G1', 'G-MSR'],
    'consistent-view': ['G1', 'G-single'],
    'forward-consistent-view': ['G1', 'G-SIb'],
    'parallel-snapshot-isolation': ['internal', 'G1a'],
    'PL-3': ['G1', 'G2', 'predicate-read-miss', 'PL-3-cycle-exists'],
    'PL-2': ['G1', 'PL-2-cycle-exists'],
    'PL-1': ['G0', 'duplicate-elements', 'cyclic-versions', 'PL-1-cycle-exists'],
    prefix: ['internal', 'G1a'],
    serializable: ['internal'],
    'snapshot-isolation': ['internal', 'G1', 'G-SI', 'G-nonadjacent', 'PL-SI-cycle-exists'],
    'read-atomic': ['internal', 'G1a', 'future-read'],
    'repeatable-read': ['G1', 'G2-item', 'PL-2.99-cycle-exists', 'lost-update'],
    'update-atomic': ['lost-update'],
    'strict-serializable': ['G1', 'G1c-realtime', 'G2-realtime', 'PL-SS-cycle-exists'],
    'strong-session-PL-1': ['strong-session-PL-1-cycle-exists', 'G0-process'],
    'strong-session-PL-2': ['strong-session-PL-2-cycle-exists', 'G1c-process'],
    'strong-PL-1': ['strong-PL-1-cycle-exists', 'G0-realtime'],
    'strong-PL-2': ['strong-PL-2-cycle-exists', 'G1c-realtime'],
    'strong-session-snapshot-isolation': [
      'internal',
      'G1-process',
      'G-nonadjacent-process',
      'strong-session-snapshot-isolation-cycle-exists',
    ],
    'strong-snapshot-isolation': [
      'internal',
      'G1-realtime',
      'G-nonadjacent-realtime',
      'strong-snapshot-isolation-cycle-exists',
    ],
    'strong-session-serializable': ['G1-process', 'G2-process', 'strong-session-serializable-cycle-exists'],
    'update-serializable': ['G1', 'G-update'],
  },
  canonicalModelName,
);
const PROSCRIBED_BY = invert(DIRECT_PROSCRIBED);

/** Every model name Elle accepts, friendly and canonical. */
export const ALL_MODELS: readonly string[] = (() => {
  const s = new Set<string>();
  for (const [a, bs] of MODELS) {
    s.add(a);
    for (const b of bs) s.add(b);
  }
  for (const [k, v] of Object.entries(CANONICAL)) {
    s.add(k);
    s.add(v);
  }
  return [...s].sort();
})();

/** Models in `ms` Elle does not know. */
export function unknownModels(ms: readonly string[]): string[] {
  return ms.filter((m) => !ALL_MODELS.includes(m));
}

/** Anomalies which, if present, mean `models` cannot all hold (Elle's anomalies-prohibited-by). */
export function anomaliesProhibitedBy(models: readonly string[]): Set<string> {
  const implied = reach(MODELS, models.map(canonicalModelName));
  const direct = new Set<string>();
  for (const m of implied) for (const a of DIRECT_PROSCRIBED.get(m) ?? []) direct.add(a);
  return reach(IMPLYING_ANOMALIES, direct);
}

/** Every anomaly `anomalies` imply, themselves included. */
export function allImpliedAnomalies(anomalies: Iterable<string>): Set<string> {
  return reach(IMPLIED_ANOMALIES, anomalies);
}

/** Canonical models that cannot hold given these anomalies. */
export function impossibleModels(anomalies: Iterable<string>): Set<string> {
  const direct = new Set<string>();
  for (const a of allImpliedAnomalies(anomalies)) for (const m of PROSCRIBED_BY.get(a) ?? []) direct.add(m);
  return reach(MODELS_IN, direct);
}

/** Elle's friendly-boundary: the weakest violated models (`not`) and the stronger ones (`also-not`). */
export function boundary(anomalies: Iterable<string>): { not: string[]; alsoNot: string[] } {
  const impossible = impossibleModels(anomalies);
  const weakest = new Set<string>();
  for (const m of impossible) {
    const below = reach(MODELS, [m]);
    let covered = false;
    for (const other of below) {
      if (other !== m && impossible.has(other)) {
        covered = true;
        break;
      }
    }
    if (!covered) weakest.add(m);
  }
  const not = [...new Set([...weakest].map(friendlyModelName))].sort();
  const alsoNot = [
    ...new Set(
      [...impossible]
        .filter((m) => !weakest.has(m))
        .map(friendlyModelName)
        .filter((m) => !not.includes(m)),
    ),
  ].sort();
  return { not, alsoNot };
}

/** Anomaly types that never fail a check but make it unknown. */
export const UNKNOWN_ANOMALY_TYPES: readonly string[] = ['empty-transaction-graph', 'cycle-search-timeout'];

/**
 * Anomalies faultline reports that Elle does not: a read of a value no
 * transaction wrote (`garbage-read`; Elle's list-append throws on it, its
 * rw-register ignores it). Each implies G1a, so it fails what G1a fails.
 */
export const BEYOND_ELLE_ANOMALIES: readonly string[] = ['garbage-read'];

/** Every anomaly name Elle knows (its anomaly-depths keys), faultline's own, and the unknown types. */
export const ALL_ANOMALIES: readonly string[] = (() => {
  const s = new Set<string>();
  for (const [a, bs] of IMPLIED_ANOMALIES) {
    s.add(a);
    for (const b of bs) s.add(b);
  }
  for (const [, as] of DIRECT_PROSCRIBED) for (const a of as) s.add(a);
  for (const a of UNKNOWN_ANOMALY_TYPES) s.add(a);
  return [...s].sort();
})();

/** Anomalies which imply any of these (themselves included): Elle's all-anomalies-implying. */
export function allAnomaliesImplying(anomalies: Iterable<string>): Set<string> {
  return reach(IMPLYING_ANOMALIES, anomalies);
}

/** The anomalies a model forbids directly, beyond those of the models it implies (Elle's direct-proscribed-anomalies). */
export function directlyProscribedBy(model: string): readonly string[] {
  return DIRECT_PROSCRIBED.get(canonicalModelName(model)) ?? [];
}

/** Canonical names of every model in the lattice (Elle's `models` graph vertices). */
export function latticeModels(): string[] {
  const s = new Set<string>();
  for (const [a, bs] of MODELS) {
    s.add(a);
    for (const b of bs) s.add(b);
  }
  return [...s].sort();
}
