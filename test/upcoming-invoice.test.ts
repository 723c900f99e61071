/**
 * GET /v1/orgs/{org}/invoices/upcoming (issue 15, defect 7): the next period invoice as it stands now.
 * The preview is checked against the invoice the period boundary then really issues.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { advance, record, setOnDemand, leavePlanCredits } from './support/metering.js';
import { addCard, createOrgAt, invoices, org } from './support/billing.js';
import { as, signIn } from './support/sessions.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

interface Draft {
  status: string;
  id: null;
  number: null;
  issued_at: null;
  billing_date: string;
  period_start: string;
  period_end: string;
  plan: { id: string };
  lines: { kind: string; description: string; quantity: number; unit_price_cents: number; amount_cents: number }[];
  tax: { name: string; rate_bps: number; amount_cents: number }[];
  subtotal_cents: number;
  tax_cents: number;
  total_cents: number;
}

const upcoming = async (id: string) => {
  const response = await h.api('GET', `/v1/orgs/${id}/invoices/upcoming`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Draft;
};
const periodOf = async (id: string) => (await org(h, id)).subscription;
/** The period invoice issued at the boundary that began `periodStart`. */
const issuedFor = async (id: string, periodStart: string) => (await invoices(h, id)).find((invoice) => invoice.kind === 'period' && invoice.period_start === periodStart);
const sameMoney = (invoice: { lines: Draft['lines']; tax: Draft['tax']; subtotal_cents: number; tax_cents: number; total_cents: number }) => ({
  lines: invoice.lines,
  tax: invoice.tax,
  subtotal_cents: invoice.subtotal_cents,
  tax_cents: invoice.tax_cents,
  total_cents: invoice.total_cents,
});

describe('the upcoming invoice', () => {
  it('shows the next base price, the overage so far and the estimated tax, and is what the boundary issues', async () => {
    const id = await createOrgAt(h, { plan: 'team', region: 'NY' });
    await addCard(h, id);
    await leavePlanCredits(h, id, 0);
    await setOnDemand(h, id, { enabled: true, monthly_limit_credits: 2_000 });
    await record(h, id, { tokens: 750_000 });
    const subscription = await periodOf(id);
    const draft = await upcoming(id);
    expect(draft).toMatchObject({ status: 'draft', id: null, number: null, issued_at: null, billing_date: subscription.current_period_end, period_start: subscription.current_period_end, plan: { id: 'team' } });
    expect(draft.lines.map((line) => [line.kind, line.quantity, line.unit_price_cents, line.amount_cents])).toEqual([
      ['subscription', 1, 19_900, 19_900],
      ['overage', 750, 1, 750],
    ]);
    expect(draft.subtotal_cents).toBe(20_650);
    expect(draft.tax_cents).toBeGreaterThan(0);
    expect(draft.total_cents).toBe(draft.subtotal_cents + draft.tax_cents);

    await advance(h, new Date(subscription.current_period_end));
    const issued = await issuedFor(id, subscription.current_period_end);
    expect(issued && sameMoney(issued)).toEqual(sameMoney(draft));
  });

  it('an upgrade adds its proration to the preview, the amount the next invoice then bills', async () => {
    const id = await createOrgAt(h, { plan: 'starter', region: 'CA' });
    await addCard(h, id);
    const subscription = await periodOf(id);
    const start = new Date(subscription.current_period_start).getTime();
    const end = new Date(subscription.current_period_end).getTime();
    await advance(h, new Date(start + (end - start) / 3));
    expect((await upcoming(id)).lines.map((line) => line.kind)).toEqual(['subscription']);
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'team' })).statusCode).toBe(202);
    const draft = await upcoming(id);
    expect(draft.lines.map((line) => [line.kind, line.amount_cents])).toEqual([
      ['subscription', 19_900],
      ['proration', Math.round(((19_900 - 4_900) * (end - (start + (end - start) / 3))) / (end - start))],
    ]);
    await advance(h, new Date(end));
    const issued = await issuedFor(id, subscription.current_period_end);
    expect(issued && sameMoney(issued)).toEqual(sameMoney(draft));
  });

  it('a scheduled downgrade previews the new plan’s price; a cancellation only what is left to bill', async () => {
    const id = await createOrgAt(h, { plan: 'team', region: 'CA' });
    await addCard(h, id);
    expect((await h.api('POST', `/v1/orgs/${id}/subscription/change`, { plan: 'starter' })).statusCode).toBe(202);
    expect(await upcoming(id)).toMatchObject({ plan: { id: 'starter' }, subtotal_cents: 4_900, lines: [{ kind: 'subscription', amount_cents: 4_900 }] });

    expect((await h.api('POST', `/v1/orgs/${id}/subscription/cancel`)).statusCode).toBe(202);
    const nothing = await h.api('GET', `/v1/orgs/${id}/invoices/upcoming`);
    expect(nothing.statusCode).toBe(404);
    expect(nothing.json()).toMatchObject({ code: 'NO_UPCOMING_INVOICE' });

    await leavePlanCredits(h, id, 0);
    await setOnDemand(h, id, { enabled: true, monthly_limit_credits: 500 });
    await record(h, id, { tokens: 200_000 });
    expect((await upcoming(id)).lines.map((line) => [line.kind, line.quantity])).toEqual([['overage', 200]]);
  });

  it('members read it; another org’s admin cannot', async () => {
    const id = await createOrgAt(h, { plan: 'starter' });
    const other = await createOrgAt(h, { plan: 'starter' });
    const outsider = await signIn(h, `admin@${other}.test`, 'admin-password');
    expect((await h.api('GET', `/v1/orgs/${id}/invoices/upcoming`, undefined, as(outsider))).statusCode).toBe(404);
    const own = await signIn(h, `admin@${id}.test`, 'admin-password');
    expect((await h.api('GET', `/v1/orgs/${id}/invoices/upcoming`, undefined, as(own))).statusCode).toBe(200);
  });
});
