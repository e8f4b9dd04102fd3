import type { Message, NodeContext, NodeId, SimNode } from '../../src/sim/types.js';
import { Coordinator } from './coordinator.js';
import { Frontend } from './frontend.js';
import { Participant } from './participant.js';
import { HashRing } from './ring.js';

/** Periodic work (re-sends, status queries, metrics) runs on one timer of this period. */
export const TICK_MS = 50;

/** The system option that puts the coordinator on the first participant instead of its own node. */
export const COORDINATOR_ON_PARTICIPANT = 'coordinator-on-participant';

/**
 * Who does what in a cluster n1…nN: n1 is the coordinator; the participant
 * shards are n2…nN, or n1…nN with `coordinator-on-participant` (and always
 * n1 alone in a one-node cluster). Every node takes client requests.
 */
export function clusterRoles(
  nodeIds: readonly NodeId[],
  options: ReadonlySet<string>,
): { coordinator: NodeId; shards: NodeId[] } {
  const coordinator = nodeIds[0];
  const shards =
    options.has(COORDINATOR_ON_PARTICIPANT) || nodeIds.length === 1 ? [...nodeIds] : nodeIds.slice(1);
  return { coordinator, shards };
}

/** One node of the 2PC store: a frontend, and the coordinator and/or a participant as its roles say. */
export class TwoPcNode implements SimNode {
  private readonly frontend: Frontend;
  private readonly coordinator: Coordinator | undefined;
  private readonly participant: Participant | undefined;

  constructor(
    private readonly ctx: NodeContext,
    bugs: ReadonlySet<string>,
    options: ReadonlySet<string>,
  ) {
    const roles = clusterRoles(ctx.nodeIds, options);
    this.frontend = new Frontend(ctx, roles.coordinator);
    if (ctx.id === roles.coordinator)
      this.coordinator = new Coordinator(ctx, new HashRing(roles.shards), bugs);
    if (roles.shards.includes(ctx.id)) this.participant = new Participant(ctx, bugs);
    const tick = () => {
      this.coordinator?.tick();
      this.participant?.tick();
      this.frontend.expire();
      ctx.setTimer(TICK_MS, tick);
    };
    ctx.setTimer(TICK_MS, tick);
  }

  /** The coordinator reports its epoch as a primary's term, so `isolate-primary` partitions cut it off. */
  /** The participant's state (undefined on a coordinator-only node), for tests. */
  inspect(): ReturnType<NonNullable<typeof this.participant>['inspect']> | undefined {
    return this.participant?.inspect();
  }

  primaryTerm(): number | null {
    return this.coordinator?.epoch ?? null;
  }

  onMessage(msg: Message): void {
    const { body, src } = msg;
    const c = this.coordinator;
    const p = this.participant;
    switch (body.type) {
      case 'init':
        this.ctx.send(src, { type: 'init_ok', in_reply_to: body.msg_id });
        return;
      case 'tx_begin':
        c?.onBegin(src, body);
        return;
      case 'tx_done':
        this.frontend.onDone(body);
        return;
      case 'tp_vote':
        c?.onVote(src, body);
        return;
      case 'tp_ack':
        c?.onAck(src, body);
        return;
      case 'tp_status':
        c?.onStatus(src, body);
        return;
      case 'tp_prepare':
        p?.onPrepare(src, body);
        return;
      case 'tp_decision':
        p?.onDecision(src, body);
        return;
      default:
        if (!this.frontend.onClientRequest(msg) && body.msg_id !== undefined) {
          this.ctx.send(src, {
            type: 'error',
            in_reply_to: body.msg_id,
            code: 10,
            text: `unsupported request type ${body.type}`,
          });
        }
    }
  }
}
