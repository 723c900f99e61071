import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BillingDeps } from '../../billing/deps.js';
import { decideDispute, listOrgDisputes } from '../../billing/decide-dispute.js';
import { Identifier, OrgParams, StringEnum, Timestamp, problems } from '../schemas.js';

const DisputeSchema = Type.Object({
  id: Type.String(),
  purchase_id: Type.String(),
  status: StringEnum(['open', 'won', 'lost'] as const),
  frozen_credits: Type.Integer({ description: 'The purchase’s unused credits when the dispute opened: frozen while it is open, given back if won, taken back if lost.' }),
  amount_cents: Type.Integer({ description: 'What the cardholder disputes.' }),
  currency: Type.String(),
  reason: Type.String({ description: 'The card network’s reason code (fraudulent, product_not_received …).' }),
  opened_at: Timestamp,
  closed_at: Type.Union([Timestamp, Type.Null()]),
  credit_note_id: Type.Union([Type.String(), Type.Null()], { description: 'A lost dispute’s credit note: the money the bank returned to the cardholder.' }),
});

/** Card disputes of credit purchases (issue 17): Stripe's `charge.dispute.*`, or the built-in test card 4000 0000 0000 0259. */
export const disputeRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/v1/orgs/:org/disputes', {
      config: { access: 'org-member' },
      schema: {
        tags: ['billing'],
        summary: 'Card disputes of the org’s credit purchases, newest first',
        params: OrgParams,
        response: { 200: Type.Object({ items: Type.Array(DisputeSchema) }), ...problems(401, 404) },
      },
      handler: async (request) => ({ items: await listOrgDisputes(deps, request.params.org) }),
    });

    app.post('/v1/orgs/:org/disputes/:id/decide', {
      config: { access: 'platform' },
      schema: {
        tags: ['billing'],
        summary: 'Decide an open dispute as the bank would, built-in provider only (platform key)',
        description:
          'The built-in provider’s stand-in for the card network’s decision: `won` gives the frozen credits back, `lost` takes them back with a credit note for the money returned. With Stripe the bank decides and `charge.dispute.closed` arrives at the webhook: 409 `DISPUTE_NOT_DECIDABLE`.',
        params: Type.Object({ ...OrgParams.properties, id: Identifier(100) }),
        body: Type.Object({ outcome: StringEnum(['won', 'lost'] as const) }, { additionalProperties: false }),
        response: { 200: DisputeSchema, ...problems(401, 403, 404, 409, 422) },
      },
      handler: (request) => decideDispute(deps, { orgId: request.params.org, disputeId: request.params.id, outcome: request.body.outcome }),
    });
  };
