import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { orgExists } from '../../db/orgs.js';
import { Failure } from '../../domain/failures.js';
import { authorize } from '../../billing/authorize.js';
import { DENIAL_REASONS } from '../../ledger/requests.js';
import { releaseHold } from '../../billing/release-hold.js';
import { recordUsage } from '../../billing/record-usage.js';
import { getBalance } from '../../billing/get-balance.js';
import { addGrant, GRANT_SOURCES } from '../../billing/add-grant.js';
import type { BillingDeps } from '../../billing/deps.js';
import { StringEnum, Text, Identifier, NullableCredits, OrgParams, PersonName, Timestamp, Tokens, problems } from '../schemas.js';

const Available = { ...NullableCredits, description: 'Credits a new request may use; null = unbounded (on-demand with no cap).' };

const BalanceSchema = Type.Object({
  available: Available,
  plan: Type.Object({ granted: Type.Integer(), remaining: Type.Integer(), expires_at: Timestamp }),
  purchased: Type.Object({
    remaining: Type.Integer(),
    frozen: Type.Integer({ description: 'Purchased credits frozen while a card dispute of their purchase is open: not spendable, not in remaining or available; given back if the dispute is won.' }),
  }),
  promotional: Type.Object({ remaining: Type.Integer() }),
  held: Type.Integer(),
  overage: Type.Object({ enabled: Type.Boolean(), limit: Type.Integer(), used: Type.Integer(), remaining: NullableCredits }),
  low_balance_threshold: Type.Integer(),
  low_balance: Type.Boolean(),
  period: Type.Object({ start: Timestamp, end: Timestamp }),
  ai_stopped: Type.Union([StringEnum(['SUBSCRIPTION_INACTIVE', 'CREDITS_EXHAUSTED', 'OVERAGE_LIMIT_REACHED'] as const), Type.Null()], {
    description: 'Why a new AI action would be refused now, as authorize would answer; null while they run. (A module switched off is per module: see the AI features settings.)',
  }),
});

const SourceSchema = Type.Object({ source: StringEnum(['plan', 'purchased', 'promotional', 'overage'] as const), credits: Type.Integer() });

export const UsageAnswer = Type.Object({
  id: Type.String(),
  credits: Type.Integer(),
  charged: Type.Integer(),
  uncollected: Type.Integer({ description: 'Credits the usage cost beyond what was available: recorded, not charged.' }),
  sources: Type.Array(SourceSchema),
  available: Available,
});

/** The fields of one usage record: the body of POST …/ai/usage, and an event of a batch with its org_id. */
export const usageRecordFields = (Feature: ReturnType<typeof StringEnum>) => ({
  idempotency_key: Identifier(200),
  hold_id: Type.Optional(Identifier(100)),
  user_id: Identifier(),
  user_name: Type.Optional(PersonName),
  feature: Feature,
  action: Identifier(),
  tokens: Tokens,
  occurred_at: Type.Optional(Timestamp),
});

export const meteringRoutes = (deps: BillingDeps, features: readonly string[]): FastifyPluginAsyncTypebox =>
  async (app) => {
    const Feature = StringEnum(features, { description: 'An AI module' });
    /**
     * The metering writes are the hot path: the ledger cycle answers an unknown org (ORG_NOT_FOUND),
     * so the platform key's requests skip the separate existence query (`orgCheckedByHandler`). Only
     * a request whose body is invalid looks the org up, so an unknown org is still 404 before a 422.
     */
    const refuseInvalid = async (request: Pick<FastifyRequest, 'validationError' | 'principal'> & { params: { org: string } }) => {
      if (!request.validationError) return;
      if (request.principal?.kind === 'platform' && !(await orgExists(deps.db, request.params.org))) {
        throw new Failure('ORG_NOT_FOUND', `There is no organization ${request.params.org}.`);
      }
      throw request.validationError;
    };

    app.get('/v1/orgs/:org/balance', {
      config: { access: 'org-member', orgCheckedByHandler: true },
      schema: { tags: ['metering'], summary: 'Credit balance', params: OrgParams, response: { 200: BalanceSchema, ...problems(401, 404) } },
      handler: (request) => getBalance(deps, request.params.org),
    });

    app.post('/v1/orgs/:org/ai/authorize', {
      config: { access: 'org-admin', orgCheckedByHandler: true, metering: true },
      attachValidation: true,
      schema: {
        tags: ['metering'],
        summary: 'May this org run this AI action? Reserves credits with a hold when it may.',
        params: OrgParams,
        body: Type.Object(
          { user_id: Identifier(), feature: Feature, action: Identifier(), estimated_tokens: Type.Optional(Tokens) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Union([
            Type.Object({ allowed: Type.Literal(true), hold_id: Type.String(), held_credits: Type.Integer(), expires_at: Timestamp, available: Available }),
            Type.Object({ allowed: Type.Literal(false), reason: StringEnum(DENIAL_REASONS), available: Available }),
          ]),
          ...problems(401, 403, 404, 422),
        },
      },
      handler: async (request) => {
        await refuseInvalid(request);
        return authorize(deps, {
          orgId: request.params.org,
          userId: request.body.user_id,
          feature: request.body.feature,
          action: request.body.action,
          estimatedTokens: request.body.estimated_tokens,
        });
      },
    });

    app.post('/v1/orgs/:org/ai/holds/:hold_id/release', {
      config: { access: 'org-admin', orgCheckedByHandler: true, metering: true },
      attachValidation: true,
      schema: {
        tags: ['metering'],
        summary: 'Give a hold’s reserved credits back',
        params: Type.Object({ org: OrgParams.properties.org, hold_id: Identifier(100) }),
        response: {
          200: Type.Object({ hold_id: Type.String(), status: Type.String(), released_credits: Type.Integer(), available: Available }),
          ...problems(401, 403, 404),
        },
      },
      handler: async (request) => {
        await refuseInvalid(request);
        return releaseHold(deps, { orgId: request.params.org, holdId: request.params.hold_id });
      },
    });

    app.post('/v1/orgs/:org/ai/usage', {
      config: { access: 'org-admin', orgCheckedByHandler: true, metering: true },
      attachValidation: true,
      schema: {
        tags: ['metering'],
        summary: 'Record the tokens an AI action used (idempotent by key)',
        params: OrgParams,
        body: Type.Object(usageRecordFields(Feature), { additionalProperties: false }),
        response: { 200: UsageAnswer, 201: UsageAnswer, ...problems(401, 403, 404, 409, 422) },
      },
      handler: async (request, reply) => {
        await refuseInvalid(request);
        const { body } = request;
        const outcome = await recordUsage(deps, {
          orgId: request.params.org,
          idempotencyKey: body.idempotency_key,
          holdId: body.hold_id,
          userId: body.user_id,
          userName: body.user_name,
          feature: body.feature,
          action: body.action,
          tokens: body.tokens,
          occurredAt: body.occurred_at === undefined ? undefined : new Date(body.occurred_at),
        });
        // The stored answer is sent as it was stored, so a replay is byte for byte the first answer.
        return reply
          .status(outcome.replayed ? 200 : 201)
          .header('content-type', 'application/json; charset=utf-8')
          .header('idempotent-replayed', String(outcome.replayed))
          .send(outcome.body as never);
      },
    });

    app.post('/v1/orgs/:org/grants', {
      config: { access: 'platform' },
      schema: {
        tags: ['metering'],
        summary: 'Add a promotional grant or an adjustment (platform key)',
        params: OrgParams,
        body: Type.Object(
          {
            source: StringEnum(GRANT_SOURCES),
            credits: Type.Integer({ minimum: -10_000_000, maximum: 10_000_000 }),
            expires_at: Type.Optional(Timestamp),
            reason: Text({ maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            id: Type.String(),
            org_id: Type.String(),
            source: Type.String(),
            credits: Type.Integer(),
            expires_at: Type.Union([Timestamp, Type.Null()]),
            reason: Type.String(),
            created_at: Timestamp,
            available: Available,
          }),
          ...problems(401, 403, 404, 422),
        },
      },
      handler: async (request, reply) => {
        const { body } = request;
        const grant = await addGrant(deps, {
          orgId: request.params.org,
          source: body.source,
          credits: body.credits,
          expiresAt: body.expires_at === undefined ? undefined : new Date(body.expires_at),
          reason: body.reason,
        });
        return reply.status(201).send(grant);
      },
    });
  };
