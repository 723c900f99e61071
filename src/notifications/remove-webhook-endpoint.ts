import type { BillingDeps } from '../billing/deps.js';
import { deleteEndpoint, findLiveEndpoint } from '../db/webhook-endpoints.js';
import { Failure } from '../domain/failures.js';
import { recordAudit } from '../audit/record-audit.js';

/** Removes an org's webhook endpoint (deliveries stop at once), with its audit entry in the same transaction. */
export async function removeWebhookEndpoint(deps: BillingDeps, input: { orgId: string; endpointId: string }): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    const endpoint = await findLiveEndpoint(tx, input.orgId, input.endpointId);
    if (!endpoint || !(await deleteEndpoint(tx, input.orgId, input.endpointId, now))) throw new Failure('NOT_FOUND', 'There is no such webhook endpoint.');
    await recordAudit(tx, { orgId: input.orgId, action: 'webhook_endpoint.removed', target: input.endpointId, before: { url: endpoint.url, events: endpoint.events }, now });
  });
}
