/**
 * Ballots ("proposal numbers" in "Paxos Made Simple") and the acceptor's two
 * rules, shared by the Multi-Paxos log (node.ts) and the single-decree
 * instances of the consensus workload (synod.ts), so that a bug knob bends
 * both the same way.
 *
 * A ballot is the pair (round, node), ordered by round and then by node, so
 * that two proposers never share one: a proposer's node number makes its
 * ballots its own. It is kept as one number, `round × BALLOT_NODE_SLOTS +
 * node`, so that ballots compare with `<` and travel and hit the disk as
 * plain integers. Node numbers start at 1 (the node's position in the
 * cluster's id list, plus one); 0 is the ballot nobody has used.
 */

/** Node numbers below this fit in a ballot (clusters are at most 100 nodes). */
export const BALLOT_NODE_SLOTS = 1024;

/** The ballot below every real one: no promise made, nothing accepted. */
export const NO_BALLOT = 0;

export function ballotOf(round: number, node: number): number {
  return round * BALLOT_NODE_SLOTS + node;
}

export function roundOf(ballot: number): number {
  return Math.floor(ballot / BALLOT_NODE_SLOTS);
}

export function nodeOf(ballot: number): number {
  return ballot % BALLOT_NODE_SLOTS;
}

/** `round.node`, for logs. */
export function showBallot(ballot: number): string {
  return `${roundOf(ballot)}.${nodeOf(ballot)}`;
}

/**
 * A proposer's next ballot: one round past the highest it has seen, with its
 * own node number. The `reuse-ballot` bug leaves the node number out, so
 * two proposers that start from the same highest round pick the same ballot.
 */
export function nextBallot(highestSeen: number, node: number, bugs: ReadonlySet<string>): number {
  return ballotOf(roundOf(highestSeen) + 1, bugs.has('reuse-ballot') ? 0 : node);
}

/**
 * Phase 1b: an acceptor promises a ballot at least as high as any it has
 * promised. Equal is allowed so that a retransmitted or duplicated prepare
 * gets its promise again: with unique ballots only the proposer that owns
 * the ballot can send it. (With `reuse-ballot`, two proposers can.)
 */
export function mayPromise(promised: number, ballot: number): boolean {
  return ballot >= promised;
}

/** Phase 2b: an acceptor accepts a ballot unless it promised a higher one. */
export function mayAccept(promised: number, ballot: number): boolean {
  return ballot >= promised;
}

/**
 * The promise an acceptor holds after accepting `ballot`: accepting is also
 * promising, so a delayed accept of a lower ballot cannot overwrite a higher
 * one (Brooker, "The Bug in Paxos Made Simple", 2021, on reading the paper's
 * accept rule too literally).
 */
export function promiseAfterAccept(promised: number, ballot: number): number {
  return Math.max(ballot, promised);
}
