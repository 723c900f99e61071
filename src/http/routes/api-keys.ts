import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../clock.js';
import { listApiKeys } from '../../db/identity.js';
import { createPlatformKey, revokePlatformKey } from '../../identity/api-keys-admin.js';
import { Identifier, Text, Timestamp, problems } from '../schemas.js';

const KeySchema = Type.Object({ id: Type.String(), name: Type.String(), created_at: Timestamp, revoked_at: Type.Union([Timestamp, Type.Null()]) });

export const apiKeyRoutes = (deps: { db: Db; clock: Clock }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/v1/api-keys', {
      config: { access: 'platform' },
      schema: { tags: ['operations'], summary: 'Platform API keys (never their secrets)', response: { 200: Type.Object({ items: Type.Array(KeySchema) }), ...problems(401, 403) } },
      handler: async () => ({
        items: (await listApiKeys(deps.db)).map((key) => ({ id: key.key_id, name: key.name, created_at: key.created_at.toISOString(), revoked_at: key.revoked_at?.toISOString() ?? null })),
      }),
    });

    app.post('/v1/api-keys', {
      config: { access: 'platform' },
      schema: {
        tags: ['operations'],
        summary: 'Create a platform API key; the key is shown only in this answer',
        body: Type.Object({ name: Text({ maxLength: 100 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ id: Type.String(), name: Type.String(), key: Type.String(), created_at: Timestamp }), ...problems(401, 403, 422) },
      },
      handler: async (request, reply) => reply.status(201).send(await createPlatformKey(deps.db, { name: request.body.name, now: deps.clock.now() })),
    });

    app.delete('/v1/api-keys/:id', {
      config: { access: 'platform' },
      schema: {
        tags: ['operations'],
        summary: 'Revoke a platform API key (effective on every server within 5 seconds)',
        params: Type.Object({ id: Identifier(100) }),
        response: { 204: Type.Null(), ...problems(401, 403, 404, 409) },
      },
      handler: async (request, reply) => {
        await revokePlatformKey(deps.db, { keyId: request.params.id, now: deps.clock.now() });
        return reply.status(204).send(null);
      },
    });
  };
