import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type LoupeClient } from '@loupe-billing/client';
import { createHostApp, DENIAL_MESSAGES } from '../../examples/host-app/src/app.js';
import { complete, estimateTokens } from '../../examples/host-app/src/fake-model.js';
import { creditsForTokens } from '../../src/domain/credits.js';
import { PLATFORM_KEY, startHarness, type Harness } from '../support/harness.js';

/** The example host app, run as its README says, against the real server over HTTP. */
let h: Harness;
let loupe: LoupeClient;
let hostApp: Server;
let hostUrl: string;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  h = await startHarness();
  loupe = createClient({ baseUrl: await h.app.listen({ port: 0, host: '127.0.0.1' }), apiKey: PLATFORM_KEY });
  hostApp = createHostApp({ loupe });
  hostUrl = await listen(hostApp);
});
afterAll(async () => {
  await h.expectCleanAudit();
  await new Promise((resolve) => hostApp.close(resolve));
  await h.close();
});

async function post(path: string, body: unknown, base = hostUrl) {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, text, json: response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** Leaves the org `credits` plan credits (an adjustment takes the rest). */
async function leaveCredits(org: string, credits: number): Promise<void> {
  const { available } = await loupe.balance.get(org);
  await loupe.orgs.grant(org, { source: 'adjustment', credits: credits - (available ?? 0), reason: 'example: use up the plan credits' });
}

const PROMPT = 'How many inspections are due this week at the north plant';
const LONG_PROMPT = 'inspect the welds on line four and report every defect '.repeat(80);

describe('the example host app', () => {
  it('answers with the fake model and charges its tokens', async () => {
    const org = await h.createOrg();
    const expected = await complete(PROMPT);
    const answer = await post('/assistant/ask', { org, user: 'u-ana', prompt: PROMPT });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ answer: expected.text, credits: creditsForTokens(expected.tokens), sources: [{ source: 'plan', credits: 1 }] });
    const usage = await loupe.usage.list(org);
    expect(usage.items).toMatchObject([{ user_id: 'u-ana', feature: 'assistant', action: 'ask', tokens: expected.tokens, credits: 1 }]);
  });

  it('counts a long prompt in credits of 1,000 tokens', async () => {
    const org = await h.createOrg();
    const expected = await complete(LONG_PROMPT);
    expect(expected.tokens).toBeGreaterThan(2_000);
    const answer = await post('/assistant/ask', { org, user: 'u-ana', prompt: LONG_PROMPT });
    expect(answer.json).toMatchObject({ credits: Math.ceil(expected.tokens / 1_000) });
    expect(estimateTokens(LONG_PROMPT)).toBeGreaterThanOrEqual(expected.tokens);
  });

  it('hard stop: with on-demand off, AI stops as soon as the credits are used up', async () => {
    const org = await h.createOrg();
    await leaveCredits(org, 1);
    expect((await post('/assistant/ask', { org, user: 'u-ana', prompt: PROMPT })).status).toBe(200);
    const refused = await post('/assistant/ask', { org, user: 'u-ana', prompt: PROMPT });
    expect(refused).toMatchObject({ status: 402, json: { error: 'CREDITS_EXHAUSTED', message: DENIAL_MESSAGES.CREDITS_EXHAUSTED } });
    expect((await loupe.balance.get(org)).available).toBe(0);
    expect((await loupe.usage.list(org)).items).toHaveLength(1);
  });

  it('on-demand overage: AI goes on past the plan credits, billed as overage, until the monthly cap', async () => {
    const org = await h.createOrg();
    await leaveCredits(org, 0);
    await loupe.settings.setOnDemand(org, { enabled: true, monthly_limit_credits: 2 });
    const first = await post('/assistant/ask', { org, user: 'u-ana', prompt: PROMPT });
    expect(first).toMatchObject({ status: 200, json: { sources: [{ source: 'overage', credits: 1 }] } });
    expect((await post('/assistant/ask', { org, user: 'u-ana', prompt: PROMPT })).status).toBe(200);
    const capped = await post('/assistant/ask', { org, user: 'u-ana', prompt: PROMPT });
    expect(capped).toMatchObject({ status: 402, json: { error: 'OVERAGE_LIMIT_REACHED', message: DENIAL_MESSAGES.OVERAGE_LIMIT_REACHED } });
    expect((await loupe.balance.get(org)).overage).toMatchObject({ enabled: true, limit: 2, used: 2, remaining: 0 });
  });

  it('disabled module: a module the admin turned off is refused, the others still answer', async () => {
    const org = await h.createOrg();
    await loupe.settings.setAiFeatures(org, { modules: { reports: false } });
    const refused = await post('/reports/summarize', { org, user: 'u-ana', prompt: PROMPT });
    expect(refused).toMatchObject({ status: 402, json: { error: 'FEATURE_DISABLED', message: DENIAL_MESSAGES.FEATURE_DISABLED } });
    expect((await post('/assistant/ask', { org, user: 'u-ana', prompt: PROMPT })).status).toBe(200);
    await loupe.settings.setAiFeatures(org, { modules: { reports: true } });
    expect(await post('/reports/summarize', { org, user: 'u-ana', prompt: PROMPT })).toMatchObject({ status: 200, json: { summary: (await complete(`Summarize: ${PROMPT}`)).text } });
  });

  it('streams the answer and records it once, with the same tokens as the answer in one piece', async () => {
    const org = await h.createOrg();
    const expected = await complete(LONG_PROMPT);
    const streamed = await post('/assistant/ask/stream', { org, user: 'u-ana', prompt: LONG_PROMPT });
    expect(streamed.status).toBe(200);
    expect(streamed.text.trimEnd()).toBe(expected.text);
    expect((await loupe.usage.list(org)).items).toMatchObject([{ tokens: expected.tokens, credits: creditsForTokens(expected.tokens) }]);
  });

  it('refuses a stream with a 402 before any byte of the answer', async () => {
    const org = await h.createOrg();
    await loupe.settings.setAiFeatures(org, { modules: { assistant: false } });
    expect(await post('/assistant/ask/stream', { org, user: 'u-ana', prompt: PROMPT })).toMatchObject({ status: 402, json: { error: 'FEATURE_DISABLED' } });
  });

  it('fails closed with a 503 when loupe-billing cannot be reached', async () => {
    const unreachable = createHostApp({ loupe: createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: PLATFORM_KEY, retry: { maxAttempts: 1 } }) });
    const url = await listen(unreachable);
    try {
      expect(await post('/assistant/ask', { org: 'any', user: 'u', prompt: PROMPT }, url)).toMatchObject({ status: 503, json: { error: 'BILLING_UNAVAILABLE' } });
    } finally {
      await new Promise((resolve) => unreachable.close(resolve));
    }
  });

  it('bulk work: 25 documents classified, their usage sent through the buffer in one batch; the same job again charges nothing', async () => {
    const org = await h.createOrg();
    const before = (await loupe.balance.get(org)).available ?? 0;
    const documents = Array.from({ length: 25 }, (_, index) => `inspection report ${index} of the north plant`);
    const job = { org, user: 'u-ana', prompt: 'Classify by urgency', documents };
    const first = await post('/documents/classify', job);
    expect(first.status, first.text).toBe(200);
    const results = (first.json as { results: { credits: number; recorded: boolean }[] }).results;
    expect(results).toHaveLength(25);
    expect(results.every((result) => result.recorded && result.credits >= 1)).toBe(true);
    const charged = results.reduce((sum, result) => sum + result.credits, 0);
    expect((await loupe.balance.get(org)).available).toBe(before - charged);
    const usage = await loupe.usage.list(org);
    expect(usage.items.filter((item) => item.feature === 'documents')).toHaveLength(25);
    // The keys are derived from the job: running it again replays them.
    expect((await post('/documents/classify', job)).status).toBe(200);
    expect((await loupe.balance.get(org)).available).toBe(before - charged);
  });

  it('answers a malformed request with 400 and an unknown route with 404', async () => {
    expect((await post('/assistant/ask', { org: 'x' })).status).toBe(400);
    expect((await post('/nowhere', {})).status).toBe(404);
  });
});
