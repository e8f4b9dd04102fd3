import { Registered } from '../src/plugins/registered.js';
import type { SystemDefinition } from '../src/sim/types.js';
import { lwwRegister } from './lww-register/index.js';
import { paxos } from './paxos/index.js';
import { raft } from './raft/index.js';
import { singleRegister } from './single-register/index.js';
import { threepc } from './threepc/index.js';
import { twopc } from './twopc/index.js';

/**
 * Every bundled system `faultline run --system` can name. Add a system by
 * writing a `SystemDefinition` under systems/NAME/ and one entry here.
 */
const SYSTEMS: readonly SystemDefinition[] = [singleRegister, lwwRegister, raft, twopc, threepc, paxos];

/** Systems of the user's own (`--system ./my-system.ts`, or from code), after the bundled ones. */
const plugins = new Registered<SystemDefinition>('system', () => SYSTEMS);

export function listSystems(): readonly SystemDefinition[] {
  return [...SYSTEMS, ...plugins.list()];
}

export function findSystem(name: string): SystemDefinition | undefined {
  return SYSTEMS.find((s) => s.name === name) ?? plugins.find(name);
}

/** Register a system of the user's own under its name (again: replaces it). */
export function addPluginSystem(system: SystemDefinition): void {
  plugins.add(system);
}
