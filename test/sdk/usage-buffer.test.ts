import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, LoupeApiError, UsageBufferClosed, UsageBufferFull, type LoupeClient } from '@loupe-billing/client';
import { PROJECT_ROOT } from '../../src/config.js';
import { PLATFORM_KEY, type Harness } from '../support/harness.js';
import type { FaultyProxy } from '../support/faulty-proxy.js';
import { startProxiedClients, type ProxiedClients } from '../support/proxied-client.js';

/** The SDK's batch call and usage buffer (issue 14), over real HTTP, through the fault-injecting proxy. */
let h: Harness;
let proxy: FaultyProxy;
let client: LoupeClient;
let direct: LoupeClient;
let clients: ProxiedClients;

beforeAll(async () => {
  clients = await startProxiedClients();
  ({ h, proxy, client, direct } = clients);
});
afterAll(() => clients.close());

const usage = (org: string, tokens = 1_000) => ({ org_id: org, user_id: 'u-1', feature: 'assistant' as const, action: 'ask', tokens });
const batchesSent = () => proxy.forwarded.filter((line) => line === 'POST /v1/usage/batch').length;

describe('client.recordUsageBatch', () => {
  it('answers one typed result per event, in order, and makes the keys it is not given', async () => {
    const org = await h.createOrg();
    const results = await client.recordUsageBatch([usage(org, 2_500), usage('no-such-org'), { ...usage(org), tokens: -5 }]);
    expect(results.map((result) => result.status)).toEqual([201, 404, 422]);
    const first = results[0]!;
    expect('credits' in first && first.credits).toBe(3);
    expect('code' in results[1]! && results[1].code).toBe('ORG_NOT_FOUND');
    expect((await direct.usage.list(org)).items).toHaveLength(1);
  });

  it('a bad envelope throws a LoupeApiError naming the field', async () => {
    const error = await client.recordUsageBatch([]).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(LoupeApiError);
    expect((error as LoupeApiError).errors).toHaveProperty('events');
  });
});

describe('the usage buffer', () => {
  it('flushes by count: flushAt events make one request', async () => {
    const org = await h.createOrg();
    const buffer = client.createUsageBuffer({ flushAt: 5, flushIntervalMs: 60_000 });
    const before = batchesSent();
    const results = await Promise.all(Array.from({ length: 5 }, () => buffer.record(usage(org))));
    expect(results.map((result) => result.status)).toEqual([201, 201, 201, 201, 201]);
    expect(batchesSent() - before).toBe(1);
    await buffer.close();
  });

  it('flushes by time: fewer events than flushAt go after flushIntervalMs', async () => {
    const org = await h.createOrg();
    const buffer = client.createUsageBuffer({ flushAt: 100, flushIntervalMs: 150 });
    const started = Date.now();
    const results = await Promise.all([buffer.record(usage(org)), buffer.record(usage(org))]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(results.map((result) => result.status)).toEqual([201, 201]);
    await buffer.close();
  });

  it('a batch whose answer was lost is sent again with the same keys and charged once', async () => {
    const org = await h.createOrg();
    const before = (await direct.balance.get(org)).available ?? 0;
    const buffer = client.createUsageBuffer({ flushAt: 10, flushIntervalMs: 60_000 });
    proxy.inject({ method: 'POST', pathIncludes: '/v1/usage/batch', fault: { kind: 'reset-after-server' } });
    const sent = batchesSent();
    const results = await Promise.all(Array.from({ length: 10 }, () => buffer.record(usage(org, 2_000))));
    // The server applied the first send; the second got the stored answers: replays.
    expect(batchesSent() - sent).toBe(2);
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect((await direct.balance.get(org)).available).toBe(before - 20);
    expect((await direct.usage.list(org)).items).toHaveLength(10);
    await buffer.close();
  });

  it('waits out Retry-After before sending again', async () => {
    const org = await h.createOrg();
    // A client whose transport never retries: the buffer's own retries are what is tested.
    const once = createClient({ baseUrl: proxy.url, apiKey: PLATFORM_KEY, retry: { maxAttempts: 1 } });
    const buffer = once.createUsageBuffer({ flushAt: 2, flushIntervalMs: 60_000 });
    proxy.inject({ method: 'POST', pathIncludes: '/v1/usage/batch', fault: { kind: 'too-many-requests', retryAfter: '1' }, times: 2 });
    const started = Date.now();
    const results = await Promise.all([buffer.record(usage(org)), buffer.record(usage(org))]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(results.map((result) => result.status)).toEqual([201, 201]);
    await buffer.close();
  }, 20_000);

  it('refuses past maxQueued with a typed error, and after close()', async () => {
    const org = await h.createOrg();
    const buffer = client.createUsageBuffer({ flushAt: 3, flushIntervalMs: 60_000, maxQueued: 3 });
    proxy.inject({ method: 'POST', pathIncludes: '/v1/usage/batch', fault: { kind: 'delay', ms: 500 } });
    const queued = [buffer.record(usage(org)), buffer.record(usage(org)), buffer.record(usage(org))];
    await expect(buffer.record(usage(org))).rejects.toBeInstanceOf(UsageBufferFull);
    await Promise.allSettled(queued);
    await buffer.close();
    await expect(buffer.record(usage(org))).rejects.toBeInstanceOf(UsageBufferClosed);
  });

  it('close() sends what is left', async () => {
    const org = await h.createOrg();
    const buffer = client.createUsageBuffer({ flushAt: 100, flushIntervalMs: 60_000 });
    const pending = Array.from({ length: 7 }, () => buffer.record(usage(org)));
    expect(buffer.size).toBe(7);
    await buffer.close();
    expect((await Promise.all(pending)).every((result) => result.status === 201)).toBe(true);
    expect((await direct.usage.list(org)).items).toHaveLength(7);
  });
});

describe('the package from CommonJS', () => {
  it('require() resolves it (the exports map has a default condition) and gives the same client', () => {
    const script = "const sdk = require('@loupe-billing/client'); console.log(typeof sdk.createClient, typeof sdk.UsageBufferFull)";
    const output = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(output.trim()).toBe('function function');
  });

  it('import resolves it too', () => {
    const script = "const sdk = await import('@loupe-billing/client'); console.log(typeof sdk.createClient)";
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(output.trim()).toBe('function');
  });
});
