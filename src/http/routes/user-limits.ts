import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BillingDeps } from '../../billing/deps.js';
import { getUserLimits, listMemberUsage, MAX_USER_LIMIT_OVERRIDES, setUserLimits } from '../../billing/user-limits.js';
import { Identifier, OrgParams, problems } from '../schemas.js';

/** Largest monthly limit of one member: the largest on-demand limit. */
const MAX_MEMBER_LIMIT_CREDITS = 100_000_000;
const MonthlyCredits = Type.Union([Type.Integer({ minimum: 0, maximum: MAX_MEMBER_LIMIT_CREDITS }), Type.Null()], { description: 'Credits per billing period; null = no limit' });

const UserLimitsSchema = Type.Object(
  {
    default_monthly_credits: MonthlyCredits,
    overrides: Type.Record(Identifier(), MonthlyCredits, { maxProperties: MAX_USER_LIMIT_OVERRIDES, description: 'Per user id (as the host app reports it); null = no limit for that user' }),
  },
  { additionalProperties: false },
);

const MemberUsageSchema = Type.Object({
  user_id: Type.String(),
  user_name: Type.Union([Type.String(), Type.Null()]),
  credits_this_period: Type.Integer(),
  monthly_limit_credits: Type.Union([Type.Integer(), Type.Null()]),
});

/** Per-member monthly credit limits (issue 16): the settings, and each user's credits against them. */
export const userLimitRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/v1/orgs/:org/settings/user-limits', {
      config: { access: 'org-admin' },
      schema: { tags: ['settings'], summary: 'Per-member monthly credit limits', params: OrgParams, response: { 200: UserLimitsSchema, ...problems(401, 403, 404) } },
      handler: async (request) => getUserLimits(deps, request.params.org),
    });

    app.put('/v1/orgs/:org/settings/user-limits', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['settings'],
        summary: 'Set the default limit and the per-user overrides (replaces them all)',
        description: 'Authorize refuses with USER_LIMIT_REACHED when the user’s credits this period, their active holds and the estimate would pass their limit. Recorded usage is never refused.',
        params: OrgParams,
        body: UserLimitsSchema,
        response: { 200: UserLimitsSchema, ...problems(400, 401, 403, 404, 422) },
      },
      handler: async (request) => setUserLimits(deps, request.params.org, request.body),
    });

    app.get('/v1/orgs/:org/usage/users', {
      config: { access: 'org-member' },
      schema: {
        tags: ['usage'],
        summary: 'Each user’s credits this period and their monthly limit (a member sees their own)',
        params: OrgParams,
        response: { 200: Type.Object({ items: Type.Array(MemberUsageSchema) }), ...problems(401, 404) },
      },
      handler: async (request) => {
        const principal = request.principal;
        const own = request.orgRole === 'member' && principal?.kind === 'user' ? principal.userId : undefined;
        return { items: await listMemberUsage(deps, request.params.org, own) };
      },
    });
  };
