import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/database.js';
import type { Role } from '../db/schema.js';
import { findMembership } from '../db/identity.js';
import { orgExists } from '../db/orgs.js';
import type { Clock } from '../clock.js';
import { Failure } from '../domain/failures.js';
import { isPlatformKey } from '../identity/api-keys.js';
import { sessionFor } from '../identity/sessions.js';
import { hashSecret, sameSecret } from '../identity/tokens.js';
import { OrgId } from './schemas.js';

/**
 * Who is calling and what they may touch. Every route names its `access` in its config:
 * - public: anyone; authenticated: any signed-in user or key; platform: the platform key only;
 * - org-member / org-admin: the `:org` in the path, for its members (admins only for org-admin) or
 *   the platform key. Another org's resources answer 404, a member on an admin route 403.
 * Cookie-authenticated writes must carry the session's CSRF token in `x-csrf-token`.
 */
export const ACCESS = ['public', 'authenticated', 'platform', 'org-member', 'org-admin'] as const;
export type Access = (typeof ACCESS)[number];

export type Principal =
  | { kind: 'platform'; keyHash: string }
  | { kind: 'user'; userId: string; sessionToken: string; csrfToken: string };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** A Bearer key that did not authenticate: every route but a public one refuses it. */
    authFailure: Failure | null;
    /** The caller's role in the path's org (platform key: admin). */
    orgRole: Role | null;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** Cookie writes that need no CSRF token (login: there is no session yet). */
    csrfExempt?: boolean;
    /**
     * The handler answers 404 for an unknown org itself, in the query it makes anyway (the balance
     * read): the platform key's request then skips the separate existence query.
     */
    orgCheckedByHandler?: boolean;
    /**
     * A probe for machines (load balancers, Prometheus): its JSON or text answer carries the short
     * header set of PROBE_HEADERS (app.ts), not the web app's policy, so it costs what a bare route does.
     */
    probe?: boolean;
    /** A metering route on the hot path: it changes no setting, so it gets no audit context (app.ts). */
    metering?: boolean;
    /** A read that is itself audited (an export): it runs with an audit context like a change. */
    auditedRead?: boolean;
  }
}

export const SESSION_COOKIE = 'loupe_session';
const ORG_ID_PATTERN = new RegExp(OrgId.pattern ?? '');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A revoked key stops working on every server within this long. */
const KEY_CACHE_MS = 5_000;
const KEY_CACHE_LIMIT = 1_000;

export interface AuthOptions {
  readonly db: Db;
  readonly clock: Clock;
}

async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  /** Valid keys seen lately, with their hash (the principal's id) and until when the check holds. */
  const knownKeys = new Map<string, { keyHash: string; until: number }>();
  const checkKey = async (key: string): Promise<string | null> => {
    const cached = knownKeys.get(key);
    if (cached !== undefined && cached.until > Date.now()) return cached.keyHash;
    if (!(await isPlatformKey(options.db, key))) return null;
    if (knownKeys.size >= KEY_CACHE_LIMIT) knownKeys.clear();
    const keyHash = hashSecret(key);
    knownKeys.set(key, { keyHash, until: Date.now() + KEY_CACHE_MS });
    return keyHash;
  };

  app.decorateRequest('principal', null);
  app.decorateRequest('orgRole', null);
  app.decorateRequest('authFailure', null);

  /** Who is calling: a Bearer key (checked against the cache, else the database) or a session cookie. */
  const identify = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      // Refused in preValidation, after the rate limit (keyed on the address) has counted the guess.
      const keyHash = match?.[1] ? await checkKey(match[1]) : null;
      if (keyHash === null) request.authFailure = new Failure('UNAUTHENTICATED', 'The API key is missing, malformed or unknown.');
      else request.principal = { kind: 'platform', keyHash };
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token === undefined) return;
    const session = await sessionFor(options, token);
    if (session) request.principal = { kind: 'user', userId: session.user_id, sessionToken: token, csrfToken: session.csrf_token };
  };

  // A callback hook: a request with no credentials (a health probe) costs no promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers.authorization;
    if (header === undefined && request.cookies[SESSION_COOKIE] === undefined) return done();
    // The host app's key, checked moments ago: no promise either.
    const cached = header === undefined ? undefined : knownKeys.get(header.slice(7));
    if (cached !== undefined && cached.until > Date.now() && /^Bearer\s/i.test(header!) && header!.length > 7) {
      request.principal = { kind: 'platform', keyHash: cached.keyHash };
      return done();
    }
    identify(request).then(() => done(), done);
  });

  app.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    if (request.authFailure) return done(request.authFailure);
    // An unknown path answers 404 to everyone, signed in or not; a public route needs nobody.
    if ((request.routeOptions.config.access ?? 'authenticated') === 'public' || request.is404) return done();
    try {
      const pending = authorizeAccess(request);
      if (pending) pending.then(() => done(), done);
      else done();
    } catch (error) {
      done(error as Error);
    }
  });

  /** What the caller may touch on this route (see the top); a promise only when it asks the database. */
  const authorizeAccess = (request: FastifyRequest): Promise<void> | undefined => {
    const access = request.routeOptions.config.access ?? 'authenticated';
    const principal = request.principal;
    if (!principal) throw new Failure('UNAUTHENTICATED', 'Sign in, or send a platform API key as a Bearer token.');
    if (principal.kind === 'user' && !SAFE_METHODS.has(request.method) && !request.routeOptions.config.csrfExempt) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !sameSecret(sent, principal.csrfToken)) throw new Failure('CSRF_TOKEN_INVALID');
    }
    if (access === 'platform' && principal.kind !== 'platform') throw new Failure('FORBIDDEN', 'Only the platform API key may do this.');
    const orgId = (request.params as { org?: string }).org;
    if (orgId === undefined || access === 'authenticated') return undefined;
    // Checked before the body, so an unknown org is 404 whatever else is wrong with the request.
    // (The failure is built only when thrown: an Error captures a stack trace, which costs.)
    const notFound = () => new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
    if (!ORG_ID_PATTERN.test(orgId)) throw notFound();
    if (principal.kind === 'platform') {
      request.orgRole = 'admin';
      if (request.routeOptions.config.orgCheckedByHandler) return undefined;
      return orgExists(options.db, orgId).then((exists) => {
        if (!exists) throw notFound();
      });
    }
    return findMembership(options.db, orgId, principal.userId).then((membership) => {
      if (!membership) throw notFound();
      request.orgRole = membership.role;
      if (access === 'org-admin' && membership.role !== 'admin') throw new Failure('FORBIDDEN', 'Only the organization’s admins may do this.');
    });
  };
}

export const auth = fp(authPlugin, { name: 'loupe-auth', dependencies: ['@fastify/cookie'] });
