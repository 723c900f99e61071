import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BillingDeps } from '../../billing/deps.js';
import { acceptInvitation, listInvitations, previewInvitation, revokeInvitation } from '../../identity/invitations.js';
import { describeUser } from '../../identity/sessions.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../identity/passwords.js';
import { ROLES } from '../../db/schema.js';
import { Identifier, OrgParams, PersonName, StringEnum, Timestamp, problems } from '../schemas.js';
import { InvitationSchema } from './orgs.js';
import { MeSchema, setSessionCookie } from './auth.js';

/** Invitation tokens are sent in bodies, never in URLs, so no log or Referer header carries them. */
const TokenBody = { token: Identifier(100) };

/**
 * Invitations: org admins list and withdraw them; the invitee previews one and accepts it, choosing
 * their own password (or proving their existing account's), and is signed in.
 */
export const invitationRoutes = (deps: BillingDeps, options: { secureCookies: boolean }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/v1/orgs/:org/invitations', {
      config: { access: 'org-admin' },
      schema: { tags: ['orgs'], summary: 'Open invitations, oldest first', params: OrgParams, response: { 200: Type.Object({ items: Type.Array(InvitationSchema) }), ...problems(401, 403, 404) } },
      handler: async (request) => ({ items: await listInvitations(deps, request.params.org) }),
    });

    app.delete('/v1/orgs/:org/invitations/:id', {
      config: { access: 'org-admin' },
      schema: {
        tags: ['orgs'],
        summary: 'Withdraw an open invitation (its link stops working)',
        params: Type.Object({ ...OrgParams.properties, id: Identifier(100) }),
        response: { 204: Type.Null(), ...problems(401, 403, 404) },
      },
      handler: async (request, reply) => {
        await revokeInvitation(deps, { orgId: request.params.org, invitationId: request.params.id });
        return reply.status(204).send(null);
      },
    });

    app.post('/v1/invitations/preview', {
      config: { access: 'public', csrfExempt: true },
      schema: {
        tags: ['auth'],
        summary: 'What an invitation is for, before accepting it',
        body: Type.Object(TokenBody, { additionalProperties: false }),
        response: {
          200: Type.Object({
            org: Type.Object({ id: Type.String(), name: Type.String() }),
            email: Type.String(),
            name: Type.String(),
            role: StringEnum(ROLES),
            existing_account: Type.Boolean({ description: 'Sign in with that account’s password to accept.' }),
            expires_at: Timestamp,
          }),
          ...problems(404, 422),
        },
      },
      handler: async (request) => previewInvitation(deps, request.body.token),
    });

    app.post('/v1/invitations/accept', {
      config: { access: 'public', csrfExempt: true },
      schema: {
        tags: ['auth'],
        summary: 'Accept an invitation: join the org and sign in',
        description: 'A new account takes the password given; an existing account must give its own password. The link works once.',
        body: Type.Object(
          { ...TokenBody, password: Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }), name: Type.Optional(PersonName) },
          { additionalProperties: false },
        ),
        response: { 200: MeSchema, ...problems(404, 422) },
      },
      handler: async (request, reply) => {
        const session = await acceptInvitation(deps, request.body);
        setSessionCookie(reply, session, options.secureCookies);
        return { ...(await describeUser(deps.db, session.user)), csrf_token: session.csrfToken };
      },
    });
  };
