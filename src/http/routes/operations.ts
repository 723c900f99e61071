import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import { pingDatabase, type Db } from '../../db/database.js';
import { problems } from '../schemas.js';
import { problemFor, sendProblem } from '../problem.js';

const READY_TIMEOUT_MS = 2_000;

export const operationsRoutes = (deps: { db: Db; metrics: Registry; paymentsProvider: string; stripePublishableKey?: string | undefined }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/healthz', {
      // Probes and scrapers poll these; they cost nothing and are never rate-limited.
      config: { access: 'public', rateLimit: false, probe: true },
      schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
      handler: async () => ({ status: 'ok' as const }),
    });

    app.get('/readyz', {
      config: { access: 'public', rateLimit: false, probe: true },
      schema: {
        tags: ['operations'],
        summary: 'The database answers',
        response: { 200: Type.Object({ status: Type.Literal('ready') }), ...problems(503) },
      },
      handler: async (_request, reply) => {
        const timeout = new Promise<false>((resolve) => setTimeout(resolve, READY_TIMEOUT_MS, false).unref());
        const ping = pingDatabase(deps.db);
        if (await Promise.race([ping, timeout])) return { status: 'ready' as const };
        return sendProblem(reply, problemFor('NOT_READY', 'The database does not answer.'));
      },
    });

    app.get('/v1/config', {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'What the web app needs to know: the payment provider (and Stripe’s publishable key)',
        response: { 200: Type.Object({ payments_provider: Type.String(), stripe_publishable_key: Type.Union([Type.String(), Type.Null()]) }) },
      },
      handler: async () => ({ payments_provider: deps.paymentsProvider, stripe_publishable_key: deps.stripePublishableKey ?? null }),
    });

    app.get('/metrics', {
      config: { access: 'public', rateLimit: false, probe: true },
      schema: { tags: ['operations'], summary: 'Prometheus metrics', produces: ['text/plain'] },
      handler: async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
    });
  };
