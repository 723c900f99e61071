import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BillingDeps } from '../../billing/deps.js';
import { aiFeaturesView, notificationSettingsView, setAiFeatures, setNotificationSettings, setOnDemand } from '../../billing/update-settings.js';
import { findOrg } from '../../db/orgs.js';
import { loadOrgTerms } from '../../billing/org-terms.js';
import { findPlan } from '../../domain/plans.js';
import { Failure } from '../../domain/failures.js';
import { Email, OrgParams, problems } from '../schemas.js';

/** Largest monthly overage limit: $1,000,000 at the default credit price. */
const MAX_OVERAGE_LIMIT_CREDITS = 100_000_000;

const AiFeaturesSchema = Type.Object({ modules: Type.Record(Type.String(), Type.Boolean()) });
const OnDemandSchema = Type.Object({
  enabled: Type.Boolean(),
  monthly_limit_credits: Type.Integer({ minimum: 0, maximum: MAX_OVERAGE_LIMIT_CREDITS, description: '0 = no cap' }),
});
const NotificationsSchema = Type.Object({
  low_balance_threshold: Type.Integer({ minimum: 0 }),
  emails: Type.Array(Email),
});

export const settingsRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const loadOrg = async (orgId: string) => {
      const view = await findOrg(deps.db, orgId);
      if (!view) throw new Failure('ORG_NOT_FOUND');
      return { ...view, plan: findPlan(deps.catalog, view.subscription.plan_id) };
    };

    app.get('/v1/orgs/:org/settings/ai-features', {
      config: { access: 'org-member' },
      schema: { tags: ['settings'], summary: 'AI modules on or off', params: OrgParams, response: { 200: AiFeaturesSchema, ...problems(401, 404) } },
      handler: async (request) => {
        const { settings, plan } = await loadOrg(request.params.org);
        return aiFeaturesView(deps.catalog.modules, plan?.features ?? [], settings);
      },
    });

    app.put('/v1/orgs/:org/settings/ai-features', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['settings'],
        summary: 'Turn AI modules on or off (only the modules named change)',
        params: OrgParams,
        body: Type.Object(
          { modules: Type.Partial(Type.Object(Object.fromEntries(deps.catalog.modules.map((module) => [module, Type.Boolean()]))), { additionalProperties: false }) },
          { additionalProperties: false },
        ),
        response: { 200: AiFeaturesSchema, ...problems(401, 403, 404, 422) },
      },
      handler: (request) => setAiFeatures(deps, request.params.org, request.body.modules as Record<string, boolean>),
    });

    app.get('/v1/orgs/:org/settings/on-demand', {
      config: { access: 'org-member' },
      schema: { tags: ['settings'], summary: 'On-demand usage', params: OrgParams, response: { 200: OnDemandSchema, ...problems(401, 404) } },
      handler: async (request) => {
        const { settings } = await loadOrg(request.params.org);
        return { enabled: settings.on_demand_enabled, monthly_limit_credits: settings.monthly_limit_credits };
      },
    });

    app.put('/v1/orgs/:org/settings/on-demand', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['settings'],
        summary: 'Turn on-demand usage on or off and set the monthly overage limit (0 = no cap)',
        params: OrgParams,
        body: Type.Partial(OnDemandSchema, { additionalProperties: false, minProperties: 1 }),
        response: { 200: OnDemandSchema, ...problems(401, 403, 404, 422) },
      },
      handler: (request) => setOnDemand(deps, request.params.org, request.body),
    });

    app.get('/v1/orgs/:org/settings/notifications', {
      config: { access: 'org-member' },
      schema: { tags: ['settings'], summary: 'Low-balance threshold and extra e-mail addresses', params: OrgParams, response: { 200: NotificationsSchema, ...problems(401, 404) } },
      handler: async (request) => {
        const { settings, terms } = await loadOrgTerms(deps, request.params.org);
        return notificationSettingsView(settings, terms.includedCredits);
      },
    });

    app.put('/v1/orgs/:org/settings/notifications', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['settings'],
        summary: 'Set the low-balance threshold (null = 10% of included credits) and extra e-mail addresses',
        params: OrgParams,
        body: Type.Object(
          {
            low_balance_threshold: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), Type.Null()])),
            emails: Type.Optional(Type.Array(Email, { maxItems: 20 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: NotificationsSchema, ...problems(401, 403, 404, 422) },
      },
      handler: (request) => setNotificationSettings(deps, request.params.org, request.body),
    });
  };
