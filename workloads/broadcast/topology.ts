import type { NodeId } from '../../src/sim/types.js';
import type { BroadcastTopology } from '../types.js';

/**
 * Maelstrom's broadcast topologies (maelstrom.workload.broadcast), node for
 * node: each maps every node to its neighbours, in Maelstrom's order. The
 * whole map goes to every node in its `topology` message.
 */
export type Topology = Record<NodeId, NodeId[]>;

export const BROADCAST_TOPOLOGIES: readonly BroadcastTopology[] = [
  'line',
  'grid',
  'tree2',
  'tree3',
  'tree4',
  'total',
];

/** Maelstrom's default (`--topology grid`). */
export const DEFAULT_TOPOLOGY: BroadcastTopology = 'grid';

export function topologyFor(name: BroadcastTopology, nodes: readonly NodeId[]): Topology {
  switch (name) {
    case 'line':
      return lineTopology(nodes);
    case 'grid':
      return gridTopology(nodes);
    case 'tree2':
      return treeTopology(2, nodes);
    case 'tree3':
      return treeTopology(3, nodes);
    case 'tree4':
      return treeTopology(4, nodes);
    case 'total':
      return totalTopology(nodes);
    default:
      throw new RangeError(
        `unknown topology ${String(name)}: choose one of ${BROADCAST_TOPOLOGIES.join(', ')}`,
      );
  }
}

/** A line: each node's neighbours are [left, right]; fewer than two nodes: no entries at all (as Maelstrom). */
export function lineTopology(nodes: readonly NodeId[]): Topology {
  const n = nodes.length;
  const out: Topology = {};
  if (n < 2) return out;
  out[nodes[0]] = [nodes[1]];
  for (let i = 1; i < n - 1; i++) out[nodes[i]] = [nodes[i - 1], nodes[i + 1]];
  out[nodes[n - 1]] = [nodes[n - 2]];
  return out;
}

/**
 * A roughly square grid, rows of side ⌈√n⌉ filled in node order; neighbours
 * in Maelstrom's order: below (i+1), above (i−1), right (j+1), left (j−1).
 */
export function gridTopology(nodes: readonly NodeId[]): Topology {
  const n = nodes.length;
  const side = Math.ceil(Math.sqrt(n));
  const at = (i: number, j: number): NodeId | undefined => {
    if (i < 0 || j < 0 || j >= side) return undefined;
    const idx = i * side + j;
    return idx < n ? nodes[idx] : undefined;
  };
  const out: Topology = {};
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      const me = at(i, j);
      if (me === undefined) continue;
      out[me] = [at(i + 1, j), at(i - 1, j), at(i, j + 1), at(i, j - 1)].filter(
        (x): x is NodeId => x !== undefined,
      );
    }
  }
  return out;
}

/**
 * A tree of branching factor b: tiers of 1, b, b², … nodes in node order,
 * each tier's nodes taking the next tier's in chunks of b as children (so
 * node k's children are nodes b·k+1 … b·k+b). Neighbours: the parent first,
 * then the children.
 */
export function treeTopology(b: number, nodes: readonly NodeId[]): Topology {
  const out: Topology = {};
  const n = nodes.length;
  for (let k = 0; k < n; k++) {
    const neighbours: NodeId[] = [];
    if (k > 0) neighbours.push(nodes[Math.floor((k - 1) / b)]);
    for (let c = b * k + 1; c <= b * k + b && c < n; c++) neighbours.push(nodes[c]);
    out[nodes[k]] = neighbours;
  }
  return out;
}

/** Every node is every other node's neighbour. */
export function totalTopology(nodes: readonly NodeId[]): Topology {
  const out: Topology = {};
  for (const me of nodes) out[me] = nodes.filter((x) => x !== me);
  return out;
}
