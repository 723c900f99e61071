import { expect } from 'vitest';
import type { Harness } from './harness.js';

export const CARDS = {
  ok: '4242 4242 4242 4242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  failsWhenCharged: '4000000000000341',
  /** Charged, then disputed by the cardholder (Stripe's test card). */
  disputed: '4000000000000259',
} as const;

export async function addCard(h: Harness, org: string, cardNumber: string = CARDS.ok) {
  const response = await h.api('POST', `/v1/orgs/${org}/payment-methods`, { card_number: cardNumber, exp_month: 12, exp_year: 2030, cvc: '123' });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; brand: string; last4: string; default: boolean };
}

let purchaseSequence = 0;
export async function purchase(h: Harness, org: string, credits: unknown, extra: Record<string, unknown> = {}) {
  purchaseSequence += 1;
  return h.api('POST', `/v1/orgs/${org}/credit-purchases`, { credits, idempotency_key: `purchase-${purchaseSequence}-${Date.now()}`, ...extra });
}

export interface InvoiceView {
  id: string;
  number: string;
  kind: string;
  status: string;
  period_start: string;
  period_end: string;
  subtotal_cents: number;
  tax_cents: number;
  total_cents: number;
  lines: { kind: string; description: string; quantity: number; unit_price_cents: number; amount_cents: number }[];
  tax: { name: string; rate_bps: number; amount_cents: number }[];
  tax_note: string | null;
  plan: { id: string; name: string; base_price_cents: number };
}

export async function invoices(h: Harness, org: string): Promise<InvoiceView[]> {
  const list = await h.api('GET', `/v1/orgs/${org}/invoices?limit=500`);
  expect(list.statusCode, list.body).toBe(200);
  const items = (list.json() as { items: { id: string }[] }).items;
  const details = [];
  for (const item of items) details.push((await h.api('GET', `/v1/orgs/${org}/invoices/${item.id}`)).json() as InvoiceView);
  return details;
}

export async function createOrgAt(h: Harness, body: { plan?: string; country?: string; region?: string; vat_id?: string }) {
  const id = `b-${Math.random().toString(36).slice(2, 10)}`;
  const response = await h.api('POST', '/v1/orgs', {
    id,
    name: `Billing ${id}`,
    plan: body.plan ?? 'starter',
    billing_address: { country: body.country ?? 'US', ...(body.region ? { region: body.region } : {}) },
    ...(body.vat_id ? { vat_id: body.vat_id } : {}),
    admin: { email: `admin@${id}.test`, name: 'Admin', password: 'admin-password' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return id;
}

export async function org(h: Harness, orgId: string) {
  const response = await h.api('GET', `/v1/orgs/${orgId}`);
  return response.json() as { plan: string; subscription: { status: string; current_period_start: string; current_period_end: string; cancel_at_period_end: boolean; scheduled_plan: string | null } };
}
