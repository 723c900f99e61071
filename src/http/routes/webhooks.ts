import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { BillingDeps } from '../../billing/deps.js';
import { handleProviderEvent, type EventOutcome } from '../../billing/handle-provider-event.js';
import { Failure } from '../../domain/failures.js';
import { parseStripeEvent, WebhookSignatureInvalid } from '../../providers/stripe.js';
import { problems, StringEnum } from '../schemas.js';

const EVENT_OUTCOMES = ['applied', 'duplicate', 'stale', 'ignored'] as const satisfies readonly EventOutcome[];

/**
 * Stripe's webhook: the raw body is kept for the signature check (SDK `constructEvent`, 5-minute
 * tolerance); events are applied once each, in any order. Unknown and replayed events answer 200.
 */
export const webhookRoutes = (deps: BillingDeps, stripe: { webhookSecret: string } | null): FastifyPluginAsync =>
  async (app) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.post('/v1/webhooks/stripe', {
      config: { access: 'public', csrfExempt: true },
      schema: {
        tags: ['webhooks'],
        summary: 'Stripe events (signature verified)',
        response: {
          200: Type.Object({ received: Type.Literal(true), outcome: StringEnum(EVENT_OUTCOMES, { description: 'What became of the event: a replay changes nothing' }) }),
          ...problems(400, 404),
        },
      },
      handler: async (request) => {
        if (!stripe) throw new Failure('WEBHOOKS_NOT_CONFIGURED');
        const signature = request.headers['stripe-signature'];
        let event;
        try {
          event = parseStripeEvent({ webhookSecret: stripe.webhookSecret, payload: request.body as Buffer, signature: typeof signature === 'string' ? signature : undefined });
        } catch (error) {
          if (error instanceof WebhookSignatureInvalid) throw new Failure('WEBHOOK_SIGNATURE_INVALID', error.message);
          throw error;
        }
        const outcome = await handleProviderEvent(deps, event);
        return { received: true, outcome };
      },
    });
  };
