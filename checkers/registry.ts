import { elleListAppend, elleRwRegister } from './elle/index.js';
import { linearizableChecker } from './linearizable/index.js';
import type { Checker } from './types.js';

/**
 * Every checker the CLI and the workloads can name. Add a checker by adding
 * one entry here; a checker never knows which system produced its history.
 */
const CHECKERS: readonly Checker[] = [elleListAppend, elleRwRegister, linearizableChecker];

export function listCheckers(): readonly Checker[] {
  return CHECKERS;
}

export function findChecker(name: string): Checker | undefined {
  return CHECKERS.find((c) => c.name === name);
}
