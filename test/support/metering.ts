import { expect } from 'vitest';
import type { Harness } from './harness.js';

let keySequence = 0;

export interface UsageBody {
  idempotency_key?: string;
  hold_id?: string;
  user_id?: string;
  feature?: string;
  action?: string;
  tokens: number;
}

export async function record(h: Harness, org: string, body: UsageBody) {
  keySequence += 1;
  const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, {
    idempotency_key: `key-${keySequence}-${Date.now()}`,
    user_id: 'user-1',
    feature: 'assistant',
    action: 'chat',
    ...body,
  });
  expect([200, 201], response.body).toContain(response.statusCode);
  return response.json() as {
    id: string;
    credits: number;
    charged: number;
    uncollected: number;
    sources: { source: string; credits: number }[];
    available: number | null;
  };
}

export async function authorize(h: Harness, org: string, body: { estimated_tokens?: number; feature?: string } = {}) {
  const response = await h.api('POST', `/v1/orgs/${org}/ai/authorize`, { user_id: 'user-1', feature: 'assistant', action: 'chat', ...body });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { allowed: boolean; hold_id?: string; held_credits?: number; reason?: string; available: number | null; expires_at?: string };
}

export async function balance(h: Harness, org: string) {
  const response = await h.api('GET', `/v1/orgs/${org}/balance`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as {
    available: number | null;
    plan: { granted: number; remaining: number; expires_at: string };
    purchased: { remaining: number; frozen: number };
    promotional: { remaining: number };
    held: number;
    overage: { enabled: boolean; limit: number; used: number; remaining: number | null };
    low_balance_threshold: number;
    low_balance: boolean;
    period: { start: string; end: string };
    ai_stopped: 'SUBSCRIPTION_INACTIVE' | 'CREDITS_EXHAUSTED' | 'OVERAGE_LIMIT_REACHED' | null;
  };
}

export async function setOnDemand(h: Harness, org: string, body: { enabled?: boolean; monthly_limit_credits?: number }) {
  const response = await h.api('PUT', `/v1/orgs/${org}/settings/on-demand`, body);
  expect(response.statusCode, response.body).toBe(200);
}

/** Takes credits away with a platform adjustment, leaving `credits` plan credits. */
export async function leavePlanCredits(h: Harness, org: string, credits: number) {
  const now = await balance(h, org);
  const take = now.plan.remaining - credits;
  if (take === 0) return;
  const response = await h.api('POST', `/v1/orgs/${org}/grants`, { source: 'adjustment', credits: -take, reason: 'test set-up' });
  expect(response.statusCode, response.body).toBe(201);
}

/** Purchased credits, bought with a saved test card through the purchase API. */
export async function grantPurchased(h: Harness, org: string, credits: number) {
  const cards = await h.api('GET', `/v1/orgs/${org}/payment-methods`);
  if (cards.json().items.length === 0) {
    const card = await h.api('POST', `/v1/orgs/${org}/payment-methods`, { card_number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' });
    expect(card.statusCode, card.body).toBe(201);
  }
  keySequence += 1;
  const response = await h.api('POST', `/v1/orgs/${org}/credit-purchases`, { credits, idempotency_key: `grant-purchased-${keySequence}-${Date.now()}` });
  expect(response.statusCode, response.body).toBe(201);
}

export async function advance(h: Harness, to: Date | { seconds: number }) {
  const body = to instanceof Date ? { to: to.toISOString() } : to;
  const response = await h.api('POST', '/v1/test-clock/advance', body);
  expect(response.statusCode, response.body).toBe(200);
}

/** The ledger engine's counters from /metrics (what shows that a cycle took many requests and orgs). */
export async function engineMetrics(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^(ledger_[a-z_]+) (\d+)$/gm)].map((match) => [match[1]!, Number(match[2])]));
}

