import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BillingDeps } from '../../billing/deps.js';
import { createOrg } from '../../billing/create-org.js';
import { findOrg, type OrgView } from '../../db/orgs.js';
import { listMembers } from '../../db/identity.js';
import { ROLES } from '../../db/schema.js';
import { Failure } from '../../domain/failures.js';
import { addMember } from '../../identity/add-member.js';
import { changeMemberRole } from '../../identity/change-member-role.js';
import { removeMember } from '../../identity/remove-member.js';
import { updateOrg } from '../../billing/update-org.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../identity/passwords.js';
import { StringEnum, Text, Email, Identifier, OrgId, OrgParams, PersonName, Timestamp, problems } from '../schemas.js';

const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH });
const Role = StringEnum(ROLES);

const BillingAddressSchema = Type.Object(
  {
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    region: Type.Optional(Text({ maxLength: 100 })),
    postal_code: Type.Optional(Text({ maxLength: 20 })),
    line1: Type.Optional(Text({ maxLength: 200 })),
    city: Type.Optional(Text({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

const OrgSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  plan: Type.String(),
  subscription: Type.Object({
    status: Type.String(),
    current_period_start: Timestamp,
    current_period_end: Timestamp,
    cancel_at_period_end: Type.Boolean(),
    scheduled_plan: Type.Union([Type.String(), Type.Null()]),
  }),
  billing_address: BillingAddressSchema,
  vat_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});

const VatId = Type.String({ minLength: 4, maxLength: 20, pattern: '^[A-Za-z0-9]+$' });

const MemberSchema = Type.Object({ user_id: Type.String(), email: Type.String(), name: Type.String(), role: Role });

export const InvitationSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  created_at: Timestamp,
  expires_at: Timestamp,
  accept_url: Type.Optional(Type.String({ description: 'Only in the platform key’s answer: the link the invitee opens (also e-mailed to them).' })),
});

const Outcome = {
  status: StringEnum(['added', 'invited'] as const, { description: 'added: a member now; invited: joins on accepting the e-mailed invitation' }),
  user_id: Type.Union([Type.String(), Type.Null()]),
  email: Type.String(),
  existing_account: Type.Boolean({ description: 'The e-mail had an account already; its password and name stay its own.' }),
  password_set: Type.Boolean({ description: 'The password sent was set (only for a new account created by the platform key).' }),
  invitation: Type.Union([InvitationSchema, Type.Null()]),
};

const AddMemberAnswer = Type.Object({ ...Outcome, name: Type.String(), role: Role });
const CreatedOrgSchema = Type.Object({ ...OrgSchema.properties, admin: Type.Object(Outcome) });

export function orgView({ org, subscription }: OrgView) {
  return {
    id: org.org_id,
    name: org.name,
    plan: subscription.plan_id,
    subscription: {
      status: subscription.status,
      current_period_start: subscription.current_period_start.toISOString(),
      current_period_end: subscription.current_period_end.toISOString(),
      cancel_at_period_end: subscription.cancel_at_period_end,
      scheduled_plan: subscription.scheduled_plan_id,
    },
    billing_address: org.billing_address,
    vat_id: org.vat_id,
    created_at: org.created_at.toISOString(),
  };
}

export const orgRoutes = (deps: BillingDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/v1/plans', {
      config: { access: 'public' },
      schema: {
        tags: ['orgs'],
        summary: 'The plan catalog',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                name: Type.String(),
                base_price_cents: Type.Integer(),
                currency: Type.String(),
                included_users: Type.Integer(),
                included_credits: Type.Integer(),
                credit_price_cents: Type.Integer(),
                priced_by_contract: Type.Boolean(),
                features: Type.Array(Type.String()),
              }),
            ),
          }),
        },
      },
      handler: async () => ({
        items: deps.catalog.plans.map((plan) => ({
          id: plan.id,
          name: plan.name,
          base_price_cents: plan.basePriceCents,
          currency: plan.currency,
          included_users: plan.includedUsers,
          included_credits: plan.includedCredits,
          credit_price_cents: plan.creditPriceCents,
          priced_by_contract: plan.pricedByContract,
          features: [...plan.features],
        })),
      }),
    });

    app.post('/v1/orgs', {
      config: { access: 'platform' },
      schema: {
        tags: ['orgs'],
        summary: 'Create an org with its subscription and first admin (platform key)',
        body: Type.Object(
          {
            id: Type.Optional(OrgId),
            name: Text({ maxLength: 200 }),
            plan: StringEnum(deps.catalog.plans.map((plan) => plan.id)),
            billing_address: BillingAddressSchema,
            vat_id: Type.Optional(VatId),
            admin: Type.Object({ email: Email, name: PersonName, password: Type.Optional(Password) }, { additionalProperties: false }),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedOrgSchema, ...problems(401, 403, 409, 422) },
      },
      handler: async (request, reply) => {
        const { body } = request;
        const created = await createOrg(deps, {
          id: body.id,
          name: body.name,
          plan: body.plan,
          billingAddress: body.billing_address,
          vatId: body.vat_id,
          admin: body.admin,
        });
        return reply.status(201).send({ ...orgView(created), admin: created.admin });
      },
    });

    app.get('/v1/orgs/:org', {
      config: { access: 'org-member' },
      schema: { tags: ['orgs'], summary: 'An org with its subscription', params: OrgParams, response: { 200: OrgSchema, ...problems(401, 404) } },
      handler: async (request) => {
        const view = await findOrg(deps.db, request.params.org);
        if (!view) throw new Failure('ORG_NOT_FOUND');
        return orgView(view);
      },
    });

    app.patch('/v1/orgs/:org', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['orgs'],
        summary: 'Change the org’s name, billing address or VAT ID',
        params: OrgParams,
        body: Type.Object(
          { name: Type.Optional(Text({ maxLength: 200 })), billing_address: Type.Optional(BillingAddressSchema), vat_id: Type.Optional(Type.Union([VatId, Type.Null()])) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: OrgSchema, ...problems(401, 403, 404, 422) },
      },
      handler: async (request) =>
        orgView(await updateOrg(deps, { orgId: request.params.org, name: request.body.name, billingAddress: request.body.billing_address, vatId: request.body.vat_id })),
    });

    app.get('/v1/orgs/:org/members', {
      config: { access: 'org-member' },
      schema: { tags: ['orgs'], summary: 'The org’s members', params: OrgParams, response: { 200: Type.Object({ items: Type.Array(MemberSchema) }), ...problems(401, 404) } },
      handler: async (request) => {
        const members = await listMembers(deps.db, request.params.org);
        return { items: members.map(({ user_id, email, name, role }) => ({ user_id, email, name, role })) };
      },
    });

    app.post('/v1/orgs/:org/members', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['orgs'],
        summary: 'Invite a member (an admin), or add one (the platform key), within the plan’s included users',
        description:
          'An org admin always creates an invitation, e-mailed to the invitee, who chooses their own password on accepting; `password` is refused. The platform key adds the person at once when it sends a password for a new account or when the e-mail has an account already (whose password stays unchanged: `password_set` false), and otherwise invites.',
        params: OrgParams,
        body: Type.Object({ email: Email, name: PersonName, role: Role, password: Type.Optional(Password) }, { additionalProperties: false }),
        response: { 201: AddMemberAnswer, ...problems(401, 403, 404, 409, 422) },
      },
      handler: async (request, reply) => {
        const principal = request.principal;
        const actor = principal?.kind === 'user' ? { kind: 'user' as const, userId: principal.userId } : { kind: 'platform' as const };
        const member = await addMember(deps, { orgId: request.params.org, ...request.body, actor });
        return reply.status(201).send(member);
      },
    });

    app.patch('/v1/orgs/:org/members/:id', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['orgs'],
        summary: 'Change a member’s role (the last admin stays an admin)',
        params: Type.Object({ ...OrgParams.properties, id: Identifier(100) }),
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: { 200: Type.Object({ user_id: Type.String(), role: Role }), ...problems(401, 403, 404, 409, 422) },
      },
      handler: async (request) => changeMemberRole(deps, { orgId: request.params.org, userId: request.params.id, role: request.body.role }),
    });

    app.delete('/v1/orgs/:org/members/:id', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['orgs'],
        summary: 'Remove a member: their seat is freed and their access to this org ends at once',
        params: Type.Object({ ...OrgParams.properties, id: Identifier(100) }),
        response: { 204: Type.Null(), ...problems(401, 403, 404, 409) },
      },
      handler: async (request, reply) => {
        await removeMember(deps, { orgId: request.params.org, userId: request.params.id });
        return reply.status(204).send(null);
      },
    });
  };
