import { Registered } from '../src/plugins/registered.js';
import { consensusChecker } from './invariants/consensus.js';
import { linearizableChecker } from './linearizable/index.js';
import type { Checker } from './types.js';

/**
 * Elle's modules, and every checker's but the linearizability checker's, load when that checker first
 * runs: a linearizability check starts without them.
 */
const elle = () => import('./elle/index.js');

const elleListAppend: Checker = {
  name: 'elle-list-append',
  description:
    'Elle list-append: infers ww/wr/rw, process and real-time dependencies and names cycles and other anomalies (default model strict-serializable)',
  takes: ['consistencyModels', 'anomalies'],
  check: async (history, opts) => (await elle()).checkListAppend(history, opts),
};

const elleRwRegister: Checker = {
  name: 'elle-rw-register',
  description:
    'Elle rw-register: infers dependencies of read/write register transactions and names cycles and other anomalies (default model strict-serializable)',
  takes: ['consistencyModels', 'anomalies', 'wfrKeys', 'sequentialKeys', 'linearizableKeys'],
  check: async (history, opts) => (await elle()).checkRwRegister(history, opts),
};

const bank: Checker = {
  name: 'bank',
  description:
    "Jepsen's bank: every read of all balances sees the same total (--total-amount, else the first read's) and no negative balance",
  takes: ['totalAmount'],
  check: async (history, opts) => (await import('./invariants/bank.js')).checkBank(history, opts),
};

const echo: Checker = {
  name: 'echo',
  description: "Maelstrom's echo: every ok echo returned exactly what its request sent",
  check: async (history) => (await import('./maelstrom/echo.js')).checkEcho(history),
};

const uniqueIds: Checker = {
  name: 'unique-ids',
  description: "Jepsen's unique-ids (Maelstrom unique-ids): every id an ok generate returned is distinct",
  check: async (history) => (await import('./maelstrom/unique-ids.js')).checkUniqueIds(history),
};

const setFull: Checker = {
  name: 'set-full',
  description:
    "Jepsen's set-full (Maelstrom broadcast, g-set): each added element stable, lost or never read; stale elements and stable latencies",
  check: async (history) => (await import('./maelstrom/set-full.js')).checkSetFull(history),
};

const counter: Checker = {
  name: 'counter',
  description:
    "Maelstrom's g-/pn-counter: each final read = ok adds before it + some subset of the possible ones; reads during the run a subset's sum",
  check: async (history) => (await import('./maelstrom/counter.js')).checkCounter(history),
};

const kafka: Checker = {
  name: 'kafka',
  description:
    "Jepsen's queue checks for Maelstrom's kafka: lost and unobserved sends, non-monotonic and skipped polls, duplicate and inconsistent offsets",
  check: async (history) => (await import('./maelstrom/kafka.js')).checkKafka(history),
};

/**
 * Every checker the CLI and the workloads can name. Add a checker by adding
 * one entry here; a checker never knows which system produced its history.
 */
const CHECKERS: readonly Checker[] = [
  elleListAppend,
  elleRwRegister,
  linearizableChecker,
  bank,
  consensusChecker,
  echo,
  uniqueIds,
  setFull,
  counter,
  kafka,
];

/** Checkers of the user's own (`--checker ./c.ts`, or from code), after the bundled ones. */
const plugins = new Registered<Checker>('checker', () => CHECKERS);

export function listCheckers(): readonly Checker[] {
  return [...CHECKERS, ...plugins.list()];
}

export function findChecker(name: string): Checker | undefined {
  return CHECKERS.find((c) => c.name === name) ?? plugins.find(name);
}

/** A checker registered by the user (a worker thread finds it only by loading its module again). */
export function isPluginChecker(name: string): boolean {
  return plugins.find(name) !== undefined;
}

/** Register a checker of the user's own under its name (again: replaces it). */
export function addPluginChecker(checker: Checker): void {
  plugins.add(checker);
}
