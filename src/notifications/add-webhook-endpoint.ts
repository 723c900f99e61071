import { randomBytes } from 'node:crypto';
import type { BillingDeps } from '../billing/deps.js';
import { newId } from '../domain/ids.js';
import { countEndpoints, insertEndpoint, lockEndpointsOf } from '../db/webhook-endpoints.js';
import { Failure, invalidFields } from '../domain/failures.js';
import { PUBLIC_TARGETS_ONLY, webhookUrlProblem } from '../providers/webhook-target.js';
import { recordAudit } from '../audit/record-audit.js';

/** Each endpoint gets every matching event and a delivery loop's attention; ten is plenty for one org. */
export const MAX_WEBHOOK_ENDPOINTS_PER_ORG = 10;

export interface AddedEndpoint {
  readonly endpointId: string;
  readonly secret: string;
  readonly createdAt: Date;
}

/**
 * Adds an org's webhook endpoint: the URL must be one a webhook may go to (webhook-target.ts; its
 * host's addresses are checked again at every delivery), and the org may have at most
 * MAX_WEBHOOK_ENDPOINTS_PER_ORG.
 */
export async function addWebhookEndpoint(deps: BillingDeps, input: { orgId: string; url: string; events: string[] }): Promise<AddedEndpoint> {
  const problem = webhookUrlProblem(input.url, deps.webhookTargets ?? PUBLIC_TARGETS_ONLY);
  if (problem !== null) throw invalidFields({ url: [problem] });
  const added: AddedEndpoint = { endpointId: newId('whe'), secret: `whsec_${randomBytes(24).toString('base64')}`, createdAt: deps.clock.now() };
  await deps.db.transaction().execute(async (tx) => {
    await lockEndpointsOf(tx, input.orgId);
    if ((await countEndpoints(tx, input.orgId)) >= MAX_WEBHOOK_ENDPOINTS_PER_ORG) {
      throw new Failure('WEBHOOK_ENDPOINT_LIMIT', `An org can have at most ${MAX_WEBHOOK_ENDPOINTS_PER_ORG} webhook endpoints; remove one before adding another.`);
    }
    await insertEndpoint(tx, { orgId: input.orgId, endpointId: added.endpointId, url: input.url, events: input.events, secret: added.secret, now: added.createdAt });
    await recordAudit(tx, { orgId: input.orgId, action: 'webhook_endpoint.added', target: added.endpointId, after: { url: input.url, events: input.events }, now: added.createdAt });
  });
  return added;
}
