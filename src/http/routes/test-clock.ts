import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TestClock } from '../../clock.js';
import { invalidFields } from '../../domain/failures.js';
import { Timestamp, problems } from '../schemas.js';

/** The longest single step: ten years. */
const MAX_ADVANCE_SECONDS = 10 * 366 * 24 * 60 * 60;

/**
 * Only registered when the server runs with LOUPE_TEST_CLOCK=1; otherwise the paths answer 404.
 * Moving the clock runs every job that became due before the answer is sent. It moves time for every
 * org at once (periods roll over, holds and grants expire), so only the platform key may move it;
 * reading it tells nothing about any org and stays public.
 */
export const testClockRoutes = (deps: { clock: TestClock; persist: (now: Date) => Promise<void>; runDueJobs: () => Promise<void> }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const Now = Type.Object({ now: Timestamp });

    app.get('/v1/test-clock', {
      config: { access: 'public' },
      schema: { tags: ['test clock'], summary: 'The test clock’s time', response: { 200: Now } },
      handler: async () => ({ now: deps.clock.now().toISOString() }),
    });

    app.post('/v1/test-clock/advance', {
      config: { access: 'platform' },
      schema: {
        tags: ['test clock'],
        summary: 'Move the test clock forward (to a time, or by seconds) and run the jobs that became due',
        body: Type.Object(
          { to: Type.Optional(Timestamp), seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_ADVANCE_SECONDS })) },
          { additionalProperties: false },
        ),
        response: { 200: Now, ...problems(401, 403, 422) },
      },
      handler: async (request) => {
        const { to, seconds } = request.body;
        if ((to === undefined) === (seconds === undefined)) {
          throw invalidFields({ to: ['send either to or seconds'], seconds: ['send either to or seconds'] });
        }
        const now = deps.clock.now();
        const target = to === undefined ? new Date(now.getTime() + (seconds ?? 0) * 1_000) : new Date(to);
        if (target.getTime() < now.getTime()) throw invalidFields({ to: [`must not be before the clock's time ${now.toISOString()}`] });
        if (target.getTime() - now.getTime() > MAX_ADVANCE_SECONDS * 1_000) throw invalidFields({ to: ['is more than ten years ahead'] });
        deps.clock.set(target);
        await deps.persist(target);
        await deps.runDueJobs();
        return { now: deps.clock.now().toISOString() };
      },
    });
  };
