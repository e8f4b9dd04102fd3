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

export function listSystems(): readonly SystemDefinition[] {
  return SYSTEMS;
}

export function findSystem(name: string): SystemDefinition | undefined {
  return SYSTEMS.find((s) => s.name === name);
}
