import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../clock.js';
import { Failure } from '../../domain/failures.js';
import type { FastifyReply } from 'fastify';
import { describeUser, login, logout, SESSION_TTL_MS, type LoginResult } from '../../identity/sessions.js';
import { findUser } from '../../db/identity.js';
import { SESSION_COOKIE } from '../auth.js';
import { Email, PersonName, problems } from '../schemas.js';
import { updateProfile } from '../../identity/update-profile.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../identity/passwords.js';

/** The session cookie a sign-in (or an accepted invitation) sets. */
export function setSessionCookie(reply: FastifyReply, session: LoginResult, secureCookies: boolean): void {
  reply.setCookie(SESSION_COOKIE, session.sessionToken, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/', maxAge: SESSION_TTL_MS / 1_000 });
}

export const MeSchema = Type.Object({
  user: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() }),
  orgs: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), role: Type.String() })),
  csrf_token: Type.String({ description: 'Send it as x-csrf-token on every cookie-authenticated write.' }),
});

export const authRoutes = (deps: { db: Db; clock: Clock; secureCookies: boolean }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post('/v1/auth/login', {
      config: { access: 'public', csrfExempt: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password; sets the session cookie',
        body: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: MeSchema, ...problems(401, 422) },
      },
      handler: async (request, reply) => {
        const session = await login(deps, request.body);
        setSessionCookie(reply, session, deps.secureCookies);
        const me = await describeUser(deps.db, session.user);
        return { ...me, csrf_token: session.csrfToken };
      },
    });

    app.post('/v1/auth/logout', {
      config: { access: 'authenticated' },
      schema: { tags: ['auth'], summary: 'Sign out', response: { 204: Type.Null(), ...problems(401, 403) } },
      handler: async (request, reply) => {
        const principal = request.principal;
        if (principal?.kind === 'user') await logout(deps.db, principal.sessionToken);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    });

    app.patch('/v1/auth/me', {
      config: { access: 'authenticated' },
      schema: {
        tags: ['auth'],
        summary: 'Change your name, or your password (with the current one)',
        body: Type.Object(
          {
            name: Type.Optional(PersonName),
            current_password: Type.Optional(Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH })),
            new_password: Type.Optional(Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Object({ user: MeSchema.properties.user }), ...problems(401, 403, 422) },
      },
      handler: async (request) => {
        const principal = request.principal;
        if (principal?.kind !== 'user') throw new Failure('FORBIDDEN', 'The platform key is not a user.');
        const user = await updateProfile(deps.db, {
          userId: principal.userId,
          sessionToken: principal.sessionToken,
          name: request.body.name,
          currentPassword: request.body.current_password,
          newPassword: request.body.new_password,
        });
        return { user };
      },
    });

    app.get('/v1/auth/me', {
      config: { access: 'authenticated' },
      schema: { tags: ['auth'], summary: 'The signed-in user and their orgs', response: { 200: MeSchema, ...problems(401, 403) } },
      handler: async (request) => {
        const principal = request.principal;
        if (principal?.kind !== 'user') throw new Failure('FORBIDDEN', 'The platform key is not a user; sign in to use this.');
        const user = await findUser(deps.db, principal.userId);
        if (!user) throw new Failure('UNAUTHENTICATED');
        const me = await describeUser(deps.db, { id: user.user_id, email: user.email, name: user.name });
        return { ...me, csrf_token: principal.csrfToken };
      },
    });
  };
