import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Runtime } from '../runtime.js';
import { runBillingJobs, runDueJobs as runAllDueJobs, startJobLoops } from '../jobs/run-due-jobs.js';
import { buildApp } from './app.js';

/** Builds the app, runs the jobs that came due while the server was down, and listens. */
export async function serve(runtime: Runtime, config: Config): Promise<{ app: FastifyInstance; url: string; stop(): Promise<void> }> {
  const runDueJobs = () => runAllDueJobs(runtime.deps);
  const app = await buildApp({ deps: runtime.deps, logLevel: config.logLevel, secureCookies: config.secureCookies, runDueJobs, stripeWebhook: config.stripe, stripePublishableKey: config.stripePublishableKey, rateLimitPerMinute: config.rateLimitPerMinute, platformRateLimitPerMinute: config.platformRateLimitPerMinute });
  // Webhooks that came due go out from the delivery loop: a dead endpoint must not delay the start.
  await runBillingJobs(runtime.deps);
  const scheduler = startJobLoops({
    deps: runtime.deps,
    intervalMs: config.jobIntervalMs,
    onError: (error) => app.log.error({ err: error }, 'scheduled jobs failed; retrying on the next tick'),
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return {
    app,
    url: `http://${host}:${port}`,
    async stop() {
      await scheduler.stop();
      await app.close();
    },
  };
}
