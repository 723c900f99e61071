import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, CreditsDenied, LoupeApiError, LoupeNetworkError, LoupeTimeoutError, UsageNotRecorded, type LoupeClient, type UsageRecorded } from '@loupe-billing/client';
import { PLATFORM_KEY, startHarness, type Harness } from '../support/harness.js';
import type { FaultyProxy } from '../support/faulty-proxy.js';
import { startProxiedClients, type ProxiedClients } from '../support/proxied-client.js';

let h: Harness;
let serverUrl: string;
let proxy: FaultyProxy;
let client: LoupeClient;
let direct: LoupeClient;
let clients: ProxiedClients;

beforeAll(async () => {
  clients = await startProxiedClients();
  ({ h, serverUrl, proxy, client, direct } = clients);
});
afterAll(() => clients.close());

async function usageRows(org: string) {
  return (await direct.usage.list(org)).items;
}

const ask = (org: string) => ({ org, user: 'u-1', userName: 'Una', feature: 'assistant' as const, action: 'ask', estimatedTokens: 3_000 });

describe('withCredits', () => {
  it('authorizes, runs the work, charges the tokens it reports and returns its result', async () => {
    const org = await h.createOrg();
    const before = await direct.balance.get(org);
    let recorded: UsageRecorded | undefined;
    let heldWhileWorking = 0;
    const result = await client.withCredits({ ...ask(org), onUsage: (usage) => (recorded = usage) }, async (hold) => {
      heldWhileWorking = (await direct.balance.get(org)).held;
      expect(hold.heldCredits).toBe(3);
      return { tokens: 2_500, result: { text: 'hello' } };
    });
    expect(result).toEqual({ text: 'hello' });
    expect(heldWhileWorking).toBe(3);
    expect(recorded).toMatchObject({ credits: 3, charged: 3, uncollected: 0, sources: [{ source: 'plan', credits: 3 }] });
    const after = await direct.balance.get(org);
    expect(after.available).toBe((before.available ?? 0) - 3);
    expect(after.held).toBe(0);
    expect(await usageRows(org)).toMatchObject([{ user_id: 'u-1', user_name: 'Una', feature: 'assistant', action: 'ask', tokens: 2_500, credits: 3 }]);
  });

  it('throws CreditsDenied with the reason when the module is turned off, and never runs the work', async () => {
    const org = await h.createOrg();
    await direct.settings.setAiFeatures(org, { modules: { assistant: false } });
    let ran = false;
    const denial = await client
      .withCredits(ask(org), async () => {
        ran = true;
        return { tokens: 1, result: null };
      })
      .catch((error: unknown) => error);
    expect(denial).toBeInstanceOf(CreditsDenied);
    expect(denial).toMatchObject({ reason: 'FEATURE_DISABLED', code: 'FEATURE_DISABLED', request: { org, feature: 'assistant', action: 'ask' } });
    expect(ran).toBe(false);
    expect(await usageRows(org)).toEqual([]);
  });

  it('throws CreditsDenied CREDITS_EXHAUSTED with what is available when the credits are used up and on-demand is off', async () => {
    const org = await h.createOrg();
    const { available } = await direct.balance.get(org);
    await direct.orgs.grant(org, { source: 'adjustment', credits: -(available ?? 0), reason: 'test: empty the plan bucket' });
    const denial = await client.withCredits(ask(org), async () => ({ tokens: 1, result: null })).catch((error: unknown) => error);
    expect(denial).toBeInstanceOf(CreditsDenied);
    expect(denial).toMatchObject({ reason: 'CREDITS_EXHAUSTED', available: 0 });
  });

  it('releases the hold and rethrows when the work throws: nothing is charged', async () => {
    const org = await h.createOrg();
    const before = await direct.balance.get(org);
    const failure = new Error('the model timed out');
    await expect(client.withCredits(ask(org), async () => Promise.reject(failure))).rejects.toBe(failure);
    const after = await direct.balance.get(org);
    expect(after.held).toBe(0);
    expect(after.available).toBe(before.available);
    expect(await usageRows(org)).toEqual([]);
  });

  it('refuses a work result without whole tokens, and releases the hold', async () => {
    const org = await h.createOrg();
    await expect(client.withCredits(ask(org), async () => ({ tokens: 1.5, result: null }))).rejects.toThrow(/whole number/);
    expect((await direct.balance.get(org)).held).toBe(0);
  });

  it('charges once when the answer to the usage record is lost and the retry sends the same key', async () => {
    const org = await h.createOrg();
    const before = await direct.balance.get(org);
    proxy.inject({ method: 'POST', pathIncludes: `/orgs/${org}/ai/usage`, fault: { kind: 'reset-after-server' } });
    const result = await client.withCredits(ask(org), async () => ({ tokens: 4_200, result: 'done' }));
    expect(result).toBe('done');
    // The server got the record twice (the first answer was lost), and charged it once.
    expect(proxy.forwarded.filter((line) => line.includes(`/orgs/${org}/ai/usage`))).toHaveLength(2);
    expect(await usageRows(org)).toHaveLength(1);
    expect((await direct.balance.get(org)).available).toBe((before.available ?? 0) - 5);
  });

  it('charges once when the usage record times out and is retried', async () => {
    const org = await h.createOrg();
    const slow = createClient({ baseUrl: proxy.url, apiKey: PLATFORM_KEY, timeoutMs: 300, retry: { baseDelayMs: 10 } });
    proxy.inject({ method: 'POST', pathIncludes: `/orgs/${org}/ai/usage`, fault: { kind: 'delay', ms: 1_000 } });
    await slow.withCredits(ask(org), async () => ({ tokens: 999, result: null }));
    expect(proxy.forwarded.filter((line) => line.includes(`/orgs/${org}/ai/usage`))).toHaveLength(2);
    expect(await usageRows(org)).toMatchObject([{ tokens: 999, credits: 1 }]);
  });

  it('throws UsageNotRecorded with the result and the exact request when every attempt fails; sending it later charges once', async () => {
    const org = await h.createOrg();
    proxy.inject({ method: 'POST', pathIncludes: `/orgs/${org}/ai/usage`, fault: { kind: 'reset-before-server' }, times: 4 });
    const error = await client.withCredits(ask(org), async () => ({ tokens: 1_000, result: 'the answer' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageNotRecorded);
    const unrecorded = error as UsageNotRecorded<string>;
    expect(unrecorded.result).toBe('the answer');
    expect(unrecorded.cause).toBeInstanceOf(LoupeNetworkError);
    expect(unrecorded).toMatchObject({ code: 'USAGE_NOT_RECORDED', cause: { code: 'NETWORK_ERROR' } });
    expect(await usageRows(org)).toEqual([]);
    await direct.ai.recordUsage(org, unrecorded.usage);
    await direct.ai.recordUsage(org, unrecorded.usage);
    expect(await usageRows(org)).toMatchObject([{ tokens: 1_000, credits: 1 }]);
  });
});

describe('retries', () => {
  it('does not resend an authorize (not idempotent) after a network error', async () => {
    const org = await h.createOrg();
    proxy.inject({ method: 'POST', pathIncludes: `/orgs/${org}/ai/authorize`, fault: { kind: 'reset-after-server' } });
    await expect(client.ai.authorize(org, { user_id: 'u', feature: 'assistant', action: 'ask' })).rejects.toBeInstanceOf(LoupeNetworkError);
    expect(proxy.received.filter((line) => line.includes(`/orgs/${org}/ai/authorize`))).toHaveLength(1);
  });

  it('retries GETs after a network error', async () => {
    const org = await h.createOrg();
    proxy.inject({ method: 'GET', pathIncludes: `/orgs/${org}/balance`, fault: { kind: 'reset-before-server' }, times: 2 });
    const balance = await client.balance.get(org);
    expect(balance.available).toBeGreaterThan(0);
    expect(proxy.received.filter((line) => line.includes(`/orgs/${org}/balance`))).toHaveLength(3);
  });

  it('waits out a 429 Retry-After, for any call, and then succeeds', async () => {
    const org = await h.createOrg();
    proxy.inject({ method: 'POST', pathIncludes: `/orgs/${org}/ai/authorize`, fault: { kind: 'too-many-requests', retryAfter: '1' } });
    const started = Date.now();
    const answer = await client.ai.authorize(org, { user_id: 'u', feature: 'assistant', action: 'ask' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(answer.allowed).toBe(true);
    if (answer.allowed) await client.ai.release(org, answer.hold_id);
  });

  it('throws at once, with retryAfterSeconds, when the server asks to wait longer than the client will', async () => {
    const limited = await startHarness({ rateLimitPerMinute: 2 });
    try {
      const url = await limited.app.listen({ port: 0, host: '127.0.0.1' });
      const limitedClient = createClient({ baseUrl: url, apiKey: PLATFORM_KEY, retry: { maxRetryAfterMs: 5_000 } });
      await limitedClient.plans.list();
      await limitedClient.plans.list();
      const started = Date.now();
      const error = await limitedClient.plans.list().catch((caught: unknown) => caught);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error).toBeInstanceOf(LoupeApiError);
      expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect((error as LoupeApiError).retryAfterSeconds).toBeGreaterThan(5);
    } finally {
      await limited.close();
    }
  });

  it('gives up on a call that does not answer within the timeout, with a LoupeTimeoutError', async () => {
    const org = await h.createOrg();
    const impatient = createClient({ baseUrl: proxy.url, apiKey: PLATFORM_KEY, timeoutMs: 200, retry: { maxAttempts: 1 } });
    proxy.inject({ method: 'GET', pathIncludes: `/orgs/${org}/balance`, fault: { kind: 'delay', ms: 1_000 } });
    const error = await impatient.balance.get(org).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LoupeTimeoutError);
    expect(error).toMatchObject({ code: 'TIMEOUT', timeoutMs: 200 });
  });

  it('stops at once when the caller aborts', async () => {
    const org = await h.createOrg();
    proxy.inject({ method: 'GET', pathIncludes: `/orgs/${org}/balance`, fault: { kind: 'delay', ms: 1_000 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the user left')), 50);
    await expect(client.balance.get(org, { signal: controller.signal })).rejects.toThrow('the user left');
  });
});

describe('withCreditsStream', () => {
  async function* words(texts: string[], tokensEach: number, meter: { add(tokens: number): void }) {
    for (const text of texts) {
      meter.add(tokensEach);
      yield text;
    }
  }

  it('records the stream once, when it ends, with the tokens counted along the way', async () => {
    const org = await h.createOrg();
    const stream = await client.withCreditsStream(ask(org), (_hold, meter) => words(['a', 'b', 'c'], 700, meter));
    expect(await usageRows(org)).toEqual([]);
    const seen: string[] = [];
    for await (const text of stream) seen.push(text);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(await usageRows(org)).toMatchObject([{ tokens: 2_100, credits: 3 }]);
    expect((await direct.balance.get(org)).held).toBe(0);
  });

  it('records the tokens so far when the reader stops early', async () => {
    const org = await h.createOrg();
    const stream = await client.withCreditsStream(ask(org), (_hold, meter) => words(['a', 'b', 'c', 'd'], 1_000, meter));
    for await (const text of stream) {
      if (text === 'b') break;
    }
    expect(await usageRows(org)).toMatchObject([{ tokens: 2_000, credits: 2 }]);
  });

  it('releases the hold when the stream fails before any token, and rethrows', async () => {
    const org = await h.createOrg();
    const stream = await client.withCreditsStream(ask(org), async function* () {
      yield* [];
      throw new Error('the model refused');
    });
    await expect(async () => {
      for await (const _text of stream) void _text;
    }).rejects.toThrow('the model refused');
    expect(await usageRows(org)).toEqual([]);
    expect((await direct.balance.get(org)).held).toBe(0);
  });

  it('charges the tokens used when the stream fails midway, and rethrows', async () => {
    const org = await h.createOrg();
    const stream = await client.withCreditsStream(ask(org), async function* (_hold, meter) {
      meter.add(1_500);
      yield 'partial';
      throw new Error('the connection to the model dropped');
    });
    await expect(async () => {
      for await (const _text of stream) void _text;
    }).rejects.toThrow('dropped');
    expect(await usageRows(org)).toMatchObject([{ tokens: 1_500, credits: 2 }]);
  });

  it('gives the hold back on cancel() when the stream is never read', async () => {
    const org = await h.createOrg();
    const stream = await client.withCreditsStream(ask(org), (_hold, meter) => words(['a'], 10, meter));
    expect((await direct.balance.get(org)).held).toBe(3);
    await stream.cancel();
    expect((await direct.balance.get(org)).held).toBe(0);
    expect(await usageRows(org)).toEqual([]);
  });

  it('throws CreditsDenied before the first chunk when not allowed', async () => {
    const org = await h.createOrg();
    await direct.settings.setAiFeatures(org, { modules: { assistant: false } });
    await expect(client.withCreditsStream(ask(org), (_hold, meter) => words(['a'], 10, meter))).rejects.toMatchObject({ reason: 'FEATURE_DISABLED' });
  });
});
