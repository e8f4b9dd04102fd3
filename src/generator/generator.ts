import type { Rng } from '../sim/random.js';

/**
 * Generators in the spirit of Jepsen's: a generator is asked, for one free
 * worker at a time, what that worker should do next. It answers with an
 * operation (possibly scheduled in the future), with "wait" (nothing for
 * now: ask again at `untilNs`, or when an operation completes), or with
 * "done". Generators are stateful objects built fresh for every run, and
 * draw randomness only from `ctx.rng`, so a run is decided by its seed.
 */

/** What to invoke: the Op fields a generator decides. */
export interface OpSpec {
  f: string;
  value: unknown;
  /** Register workloads: the key this op works on (kept in the Op's `key` field). */
  key?: unknown;
  /**
   * A final read (Jepsen's `{:f :read, :final? true}`): the recorder writes
   * `final?: true` into its invocation and its completion.
   */
  final?: boolean;
}

export interface GenContext {
  /** Virtual time now, ns since the test started. */
  readonly timeNs: number;
  readonly rng: Rng;
  /** The worker asking (0-based thread index). */
  readonly worker: number;
  /** Number of workers (the concurrency). */
  readonly workerCount: number;
  /** Operations this generator's interpreter invoked that have not completed yet. */
  readonly inFlight: number;
}

export type GenStep =
  | { readonly kind: 'op'; readonly op: OpSpec; readonly atNs: number }
  | { readonly kind: 'wait'; readonly untilNs?: number }
  | { readonly kind: 'done' };

export interface Generator {
  next(ctx: GenContext): GenStep;
}

export const DONE: GenStep = { kind: 'done' };
const WAIT: GenStep = { kind: 'wait' };

function op(spec: OpSpec, atNs: number): GenStep {
  return { kind: 'op', op: spec, atNs };
}

/** An endless source of operations built by `make`, each due at once. */
export function repeat(make: (ctx: GenContext) => OpSpec): Generator {
  return { next: (ctx) => op(make(ctx), ctx.timeNs) };
}

/** Exactly one operation. */
export function once(spec: OpSpec | ((ctx: GenContext) => OpSpec)): Generator {
  let used = false;
  return {
    next(ctx) {
      if (used) return DONE;
      used = true;
      return op(typeof spec === 'function' ? spec(ctx) : spec, ctx.timeNs);
    },
  };
}

/** Operations from a fixed list, in order. */
export function sequence(specs: readonly OpSpec[]): Generator {
  let i = 0;
  return { next: (ctx) => (i < specs.length ? op(specs[i++], ctx.timeNs) : DONE) };
}

/** Each operation comes from one of `gens`, chosen at random with the given weights; exhausted ones drop out. */
export function mix(gens: readonly Generator[], weights?: readonly number[]): Generator {
  const live = gens.map((g, i) => ({ g, w: weights?.[i] ?? 1 }));
  if (weights && weights.length !== gens.length) throw new RangeError('mix: one weight per generator');
  return {
    next(ctx) {
      // Bounded: each round either returns or removes an exhausted generator.
      while (live.length > 0) {
        let total = 0;
        for (const l of live) total += l.w;
        let x = ctx.rng.next() * total;
        let i = 0;
        while (i < live.length - 1 && x >= live[i].w) x -= live[i++].w;
        const step = live[i].g.next(ctx);
        if (step.kind !== 'done') return step;
        live.splice(i, 1);
      }
      return DONE;
    },
  };
}

/** At most `n` operations from `gen`. */
export function limit(n: number, gen: Generator): Generator {
  let left = n;
  return {
    next(ctx) {
      if (left <= 0) return DONE;
      const step = gen.next(ctx);
      if (step.kind === 'op') left--;
      return step;
    },
  };
}

/**
 * Spread operations out at `opsPerSecond` overall: each is due a random
 * interval after the previous one, uniform in [0, 2/rate) as Jepsen's
 * `stagger` does, so the mean rate is `opsPerSecond`.
 */
export function stagger(opsPerSecond: number, gen: Generator): Generator {
  if (!(opsPerSecond > 0)) throw new RangeError(`stagger: rate must be > 0, got ${opsPerSecond}`);
  const meanGapNs = 1e9 / opsPerSecond;
  let nextNs: number | undefined;
  return {
    next(ctx) {
      const step = gen.next(ctx);
      if (step.kind !== 'op') return step;
      const base = Math.max(nextNs ?? ctx.timeNs, step.atNs, ctx.timeNs);
      nextNs = base + Math.round(ctx.rng.next() * 2 * meanGapNs);
      return op(step.op, base);
    },
  };
}

/** Operations from `gen` until `seconds` after the first request; nothing is scheduled past the deadline. */
export function timeLimit(seconds: number, gen: Generator): Generator {
  let deadlineNs: number | undefined;
  return {
    next(ctx) {
      deadlineNs ??= ctx.timeNs + Math.round(seconds * 1e9);
      if (ctx.timeNs >= deadlineNs) return DONE;
      const step = gen.next(ctx);
      if (step.kind === 'op' && step.atNs >= deadlineNs) return DONE;
      if (step.kind === 'wait' && step.untilNs !== undefined && step.untilNs >= deadlineNs)
        return { kind: 'wait', untilNs: deadlineNs };
      return step;
    },
  };
}

/** Nothing for `ms`, counted from the first time it is asked; then done. */
export function sleep(ms: number): Generator {
  let untilNs: number | undefined;
  return {
    next(ctx) {
      untilNs ??= ctx.timeNs + Math.round(ms * 1e6);
      return ctx.timeNs >= untilNs ? DONE : { kind: 'wait', untilNs };
    },
  };
}

/**
 * Run generators one after another. Each phase begins only when the previous
 * one is done and every operation it started has completed (Jepsen's
 * `phases` / `synchronize`).
 */
export function phases(...gens: Generator[]): Generator {
  let i = 0;
  // The current phase said done: it is not asked again while its last ops complete (asked, a generator
  // may draw an op past its end and drop it, still advancing the workload's state: the final reads would
  // read keys that no operation wrote).
  let drained = false;
  return {
    next(ctx) {
      while (i < gens.length) {
        if (!drained) {
          const step = gens[i].next(ctx);
          if (step.kind !== 'done') return step;
          drained = true;
        }
        if (ctx.inFlight > 0) return WAIT;
        i++;
        drained = false;
      }
      return DONE;
    },
  };
}

/** Every worker runs its own copy of `make(worker)` to completion (Jepsen's `each-thread`). */
export function eachWorker(make: (worker: number) => Generator): Generator {
  const copies = new Map<number, Generator>();
  const finished = new Set<number>();
  return {
    next(ctx) {
      if (finished.size >= ctx.workerCount) return DONE;
      if (finished.has(ctx.worker)) return WAIT;
      let g = copies.get(ctx.worker);
      if (!g) {
        g = make(ctx.worker);
        copies.set(ctx.worker, g);
      }
      const step = g.next(ctx);
      if (step.kind !== 'done') return step;
      finished.add(ctx.worker);
      copies.delete(ctx.worker);
      return finished.size >= ctx.workerCount ? DONE : WAIT;
    },
  };
}

/**
 * Per-key sequences (Jepsen's independent keys, simplified): `activeKeys`
 * keys are in play at once; each op goes to a random active key, whose own
 * generator (`make(key)`) supplies it. A key retires after `opsPerKey`
 * operations (or when its generator is done) and the next fresh key takes
 * its place. Keys are 0, 1, 2, … Keeps each key's history short, which is
 * what makes per-key linearizability checking cheap.
 */
export function perKey(
  opts: { activeKeys: number; opsPerKey: number; maxKeys?: number },
  make: (key: number) => Generator,
): Generator & { readonly keysUsed: number } {
  if (!(opts.activeKeys >= 1) || !(opts.opsPerKey >= 1))
    throw new RangeError('perKey: activeKeys and opsPerKey must be >= 1');
  const maxKeys = opts.maxKeys ?? Number.POSITIVE_INFINITY;
  let nextKey = 0;
  const active: { key: number; gen: Generator; left: number }[] = [];
  const refill = () => {
    while (active.length < opts.activeKeys && nextKey < maxKeys) {
      const key = nextKey++;
      active.push({ key, gen: make(key), left: opts.opsPerKey });
    }
  };
  return {
    get keysUsed() {
      return nextKey;
    },
    next(ctx) {
      refill();
      // Bounded: each failed attempt retires a key, and keys are finite per call (maxKeys) or refilled once.
      for (let attempts = 0; attempts < opts.activeKeys * 4 + 4 && active.length > 0; attempts++) {
        const i = ctx.rng.int(active.length);
        const slot = active[i];
        const step = slot.gen.next(ctx);
        if (step.kind === 'op') {
          if (--slot.left <= 0) {
            active.splice(i, 1);
            refill();
          }
          return step;
        }
        if (step.kind === 'wait') return step;
        active.splice(i, 1);
        refill();
      }
      return active.length === 0 ? DONE : WAIT;
    },
  };
}
