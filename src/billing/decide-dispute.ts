import { listDisputes } from '../db/disputes.js';
import { Failure } from '../domain/failures.js';
import { DisputeNotDecidable } from '../providers/payments.js';
import type { BillingDeps } from './deps.js';
import { disputeView, type DisputeView } from './disputes.js';
import { deliverProviderEvents } from './handle-provider-event.js';

/** The org's card disputes, newest first. */
export async function listOrgDisputes(deps: BillingDeps, orgId: string): Promise<DisputeView[]> {
  const rows = await listDisputes(deps.db, orgId);
  return rows.map((row) => disputeView(row, row.credit_note_id));
}

/**
 * Plays the card network's decision on an open dispute (the built-in provider only; Stripe's arrive as
 * `charge.dispute.closed`): the provider closes it, and its closing event goes through the same
 * handler as any provider event, which gives the frozen credits back or takes them away.
 */
export async function decideDispute(deps: BillingDeps, input: { orgId: string; disputeId: string; outcome: 'won' | 'lost' }): Promise<DisputeView> {
  const [dispute] = await listDisputes(deps.db, input.orgId, input.disputeId);
  if (!dispute) throw new Failure('DISPUTE_NOT_FOUND', `There is no dispute ${input.disputeId} in this organization.`);
  if (dispute.status !== 'open') throw new Failure('DISPUTE_NOT_DECIDABLE', `Dispute ${input.disputeId} was ${dispute.status} already.`);
  try {
    await deps.provider.decideDispute({ providerDisputeId: dispute.provider_dispute_id, outcome: input.outcome });
  } catch (error) {
    if (error instanceof DisputeNotDecidable) throw new Failure('DISPUTE_NOT_DECIDABLE', error.message);
    throw error;
  }
  await deliverProviderEvents(deps);
  const [decided] = await listDisputes(deps.db, input.orgId, input.disputeId);
  return disputeView(decided!, decided!.credit_note_id);
}
