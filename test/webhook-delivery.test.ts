import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { addCard } from './support/billing.js';
import { balance, leavePlanCredits, record } from './support/metering.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';
import { publishEvent } from '../src/notifications/publish.js';
import { startJobLoops } from '../src/jobs/run-due-jobs.js';
import { WEBHOOK_CONCURRENCY } from '../src/jobs/webhook-dispatcher.js';

/** Accepts every connection, reads the request and never answers: a dead tenant endpoint. */
interface HangingEndpoint {
  readonly url: string;
  /** Requests that arrived and are still waiting for an answer. */
  readonly waiting: () => number;
  close(): Promise<void>;
}

async function startHangingEndpoint(): Promise<HangingEndpoint> {
  let waiting = 0;
  const server: Server = createServer((request, response) => {
    waiting += 1;
    response.on('close', () => (waiting -= 1));
    request.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    waiting: () => waiting,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let h: Harness;
let healthy: WebhookReceiver;
let dead: HangingEndpoint;
const loopErrors: unknown[] = [];

beforeAll(async () => {
  healthy = await startWebhookReceiver();
  dead = await startHangingEndpoint();
  h = await startHarness();
});
afterEach(() => expect(loopErrors).toEqual([]));
afterAll(async () => {
  await h.close();
  await healthy.close();
  await dead.close();
});

async function endpoint(orgId: string, url: string) {
  const response = await h.api('POST', `/v1/orgs/${orgId}/webhook-endpoints`, { url });
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { id: string }).id;
}

async function publish(orgId: string, count: number) {
  for (let index = 0; index < count; index += 1) {
    await publishEvent(h.db, { orgId, type: 'purchase.succeeded', data: { credits: index + 1 }, now: h.clock.now() }, h.deps);
  }
}

const receivedBy = (orgId: string) => healthy.received.filter((hook) => JSON.parse(hook.body).org_id === orgId && JSON.parse(hook.body).type === 'purchase.succeeded');

function deliveriesOf(orgId: string) {
  return h.db.selectFrom('webhook_deliveries').selectAll().where('org_id', '=', orgId).execute();
}

/** Gives up the org's deliveries, so the next test's loops find nothing of it due. */
async function retire(orgId: string) {
  await h.db.updateTable('webhook_deliveries').set({ status: 'dead', next_attempt_at: null, locked_until: null }).where('org_id', '=', orgId).execute();
}

describe('one tenant cannot stall the others', () => {
  it("an endpoint that never answers holds only its own deliveries: another org's events and the billing jobs go on meanwhile", async () => {
    const stalled = await h.createOrg();
    const other = await h.createOrg();
    const recharging = await h.createOrg();
    await endpoint(stalled, dead.url);
    await endpoint(other, healthy.url);
    await addCard(h, recharging);
    expect((await h.api('PUT', `/v1/orgs/${recharging}/settings/auto-recharge`, { enabled: true, threshold_credits: 500, amount_credits: 1_000 })).statusCode).toBe(200);
    await leavePlanCredits(h, recharging, 600);
    // The stalled org's events are older, so they are first in line.
    await publish(stalled, 5);
    await publish(other, 1);

    const loops = startJobLoops({ deps: h.deps, intervalMs: 50, onError: (error) => loopErrors.push(error) });
    await vi.waitFor(() => expect(dead.waiting()).toBeGreaterThan(0), { timeout: 5_000 });
    await vi.waitFor(() => expect(receivedBy(other)).toHaveLength(1), { timeout: 5_000 });
    // Falling below the threshold now asks for a recharge; the billing loop buys it while the endpoint still hangs.
    await record(h, recharging, { tokens: 200_000 });
    await vi.waitFor(async () => expect((await balance(h, recharging)).purchased.remaining).toBe(1_000), { timeout: 5_000, interval: 100 });

    expect(dead.waiting()).toBe(WEBHOOK_CONCURRENCY.perEndpoint);
    // Five published (and any event of the billing loop's own).
    const stalledDeliveries = await deliveriesOf(stalled);
    expect(stalledDeliveries.length).toBeGreaterThanOrEqual(5);
    expect(stalledDeliveries.filter((delivery) => delivery.status !== 'pending' || delivery.attempts > 0)).toEqual([]);
    expect(stalledDeliveries.filter((delivery) => delivery.locked_until !== null)).toHaveLength(WEBHOOK_CONCURRENCY.perEndpoint);
    expect((await deliveriesOf(other)).filter((delivery) => delivery.status !== 'delivered')).toEqual([]);
    await loops.stop();
    await retire(stalled);
  });

  it('stopping the server gives the leases of attempts in flight back, unrecorded, so they are sent again at once', async () => {
    const stalled = await h.createOrg();
    await endpoint(stalled, dead.url);
    await publish(stalled, 1);
    const running = startJobLoops({ deps: h.deps, intervalMs: 50, onError: (error) => loopErrors.push(error) });
    await vi.waitFor(() => expect(dead.waiting()).toBeGreaterThanOrEqual(1), { timeout: 5_000 });
    await running.stop();
    const deliveries = await deliveriesOf(stalled);
    expect(deliveries.length).toBeGreaterThanOrEqual(1);
    expect(deliveries.filter((delivery) => delivery.status !== 'pending' || delivery.attempts > 0 || delivery.locked_until !== null)).toEqual([]);
    expect(await h.db.selectFrom('webhook_attempts').selectAll().where('org_id', '=', stalled).execute()).toEqual([]);
    await retire(stalled);
  });
});
