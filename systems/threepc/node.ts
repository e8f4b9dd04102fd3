import type { Message, NodeContext, SimNode } from '../../src/sim/types.js';
import { Frontend } from '../twopc/frontend.js';
import { clusterRoles, TICK_MS } from '../twopc/node.js';
import { HashRing } from '../twopc/ring.js';
import { ThreePcCoordinator } from './coordinator.js';
import { ThreePcParticipant } from './participant.js';

/** One node of the 3PC store: a frontend, and the coordinator and/or a participant (roles as in twopc). */
export class ThreePcNode implements SimNode {
  private readonly frontend: Frontend;
  private readonly coordinator: ThreePcCoordinator | undefined;
  private readonly participant: ThreePcParticipant | undefined;

  constructor(
    private readonly ctx: NodeContext,
    options: ReadonlySet<string>,
  ) {
    const roles = clusterRoles(ctx.nodeIds, options);
    this.frontend = new Frontend(ctx, roles.coordinator);
    if (ctx.id === roles.coordinator)
      this.coordinator = new ThreePcCoordinator(ctx, new HashRing(roles.shards));
    if (roles.shards.includes(ctx.id)) this.participant = new ThreePcParticipant(ctx);
    const tick = () => {
      this.coordinator?.tick();
      this.participant?.tick();
      this.frontend.expire();
      ctx.setTimer(TICK_MS, tick);
    };
    ctx.setTimer(TICK_MS, tick);
  }

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
      case 'tp3_vote':
        c?.onVote(src, body);
        return;
      case 'tp3_prepare':
        p?.onPrepare(src, body);
        return;
      case 'tp3_precommit':
      case 'tp3_preabort':
        p?.onProposal(src, body);
        return;
      case 'tp3_ack':
      case 'tp3_nack':
        // Replies to ballot 0 go to the coordinator, to higher ballots to the participant running that round.
        if (body.ballot === 0) c?.onPrecommitReply(src, body);
        else p?.onProposalReply(src, body);
        return;
      case 'tp3_decide':
        if (src !== this.ctx.id || body.termination !== true) p?.onDecide(body);
        if (body.termination === true) c?.onDecide(body);
        return;
      case 'tp3_state_req':
        p?.onStateRequest(src, body);
        return;
      case 'tp3_state':
        p?.onStateReply(src, body);
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
