/**
 * Refunds (issue 17, point 1): a purchase's unused credits are taken back — all by default, fewer on
 * request, never more than its own grant has left — their price and tax share paid back through the
 * provider, and a credit note (CN-…) issued. Figures are worked by hand: 1 credit costs 1 ¢ on the
 * Starter plan; Germany's VAT is 19%.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { startHarness, type Harness } from './support/harness.js';
import { addCard, createOrgAt, purchase } from './support/billing.js';
import { advance, balance, leavePlanCredits, record } from './support/metering.js';
import { as, signIn } from './support/sessions.js';
import { ProviderUnavailable, type PaymentProvider } from '../src/providers/payments.js';
import { runDueJobs } from '../src/jobs/run-due-jobs.js';

let h: Harness;
/** While true, the provider's refund answers as if Stripe could not be reached. */
let refundsUnreachable = false;
const unreachableRefunds = (provider: PaymentProvider): PaymentProvider => ({
  ...provider,
  refund: (input) => (refundsUnreachable ? Promise.reject(new ProviderUnavailable('refunds are unreachable in this test')) : provider.refund(input)),
});

beforeAll(async () => {
  h = await startHarness({ wrapProvider: unreachableRefunds });
});
afterAll(() => h.close());
afterEach(() => {
  refundsUnreachable = false;
  return h.expectCleanAudit();
});

interface Refund {
  id: string;
  purchase_id: string;
  credits: number;
  amount_cents: number;
  tax_cents: number;
  total_cents: number;
  status: string;
  credit_note_id: string | null;
  credit_note_number: string | null;
}

/** An org with no plan credits left and `credits` bought, so usage draws on the purchase. */
async function orgWithPurchase(credits: number, address: { country?: string; region?: string } = { region: 'CA' }) {
  const org = await createOrgAt(h, { plan: 'starter', ...address });
  await leavePlanCredits(h, org, 0);
  await addCard(h, org);
  const bought = await purchase(h, org, credits);
  expect(bought.statusCode, bought.body).toBe(201);
  return { org, purchase: bought.json() as { id: string; credits: number; amount_cents: number; tax_cents: number; total_cents: number; invoice_id: string } };
}

const refund = (org: string, purchaseId: string, body: Record<string, unknown>) => h.api('POST', `/v1/orgs/${org}/credit-purchases/${purchaseId}/refund`, { reason: 'Bought by mistake', ...body });
const builtinRefunds = () => h.db.selectFrom('builtin_refunds').selectAll().execute();

describe('refunding a credit purchase', () => {
  it('takes back every unused credit by default, pays back the price and tax, and issues credit note CN-000001', async () => {
    const { org, purchase: bought } = await orgWithPurchase(1_000, { country: 'DE' });
    expect(bought).toMatchObject({ amount_cents: 1_000, tax_cents: 190, total_cents: 1_190 });
    const response = await refund(org, bought.id, {});
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ purchase_id: bought.id, credits: 1_000, amount_cents: 1_000, tax_cents: 190, total_cents: 1_190, status: 'succeeded', credit_note_number: 'CN-000001' });
    expect((await balance(h, org)).purchased.remaining).toBe(0);
    const paidBack = (await builtinRefunds()).filter((row) => row.idempotency_key === `refund:${(response.json() as Refund).id}`);
    expect(paidBack.map((row) => Number(row.amount_cents))).toEqual([1_190]);
    const entries = await h.db.selectFrom('ledger_entries').select(['kind', 'reason', 'account', 'credits', 'note']).where('org_id', '=', org).where('kind', '=', 'refund').execute();
    expect(entries).toEqual([{ kind: 'refund', reason: 'refund', account: 'purchased', credits: -1_000, note: 'Bought by mistake' }]);
    const events = await h.db.selectFrom('events').select(['type', 'data']).where('org_id', '=', org).where('type', '=', 'purchase.refunded').execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ credits: 1_000, total_cents: 1_190, credit_note_number: 'CN-000001' });
    const [audit] = (await h.api('GET', `/v1/orgs/${org}/audit-log?action=purchase.refunded`)).json().items as { actor: { kind: string }; after: Record<string, unknown> }[];
    expect(audit).toMatchObject({ actor: { kind: 'api_key' }, after: { credits: 1_000, total_cents: 1_190, reason: 'Bought by mistake' } });
    // Nothing left: a second refund is refused and pays nothing.
    const again = await refund(org, bought.id, {});
    expect(again.statusCode).toBe(422);
    expect(again.json()).toMatchObject({ code: 'NOTHING_TO_REFUND' });
    expect(await builtinRefunds().then((rows) => rows.filter((row) => row.charge_id === paidBack[0]!.charge_id))).toHaveLength(1);
  });

  it('in parts, the tax shares add up to the cent: 333 → $3.33 + $0.63, 333 → $3.33 + $0.64, the rest (334) → $3.34 + $0.63', async () => {
    const { org, purchase: bought } = await orgWithPurchase(1_000, { country: 'DE' });
    const parts = [];
    for (const credits of [333, 333, 5_000]) {
      const response = await refund(org, bought.id, { credits });
      expect(response.statusCode, response.body).toBe(201);
      parts.push(response.json() as Refund);
    }
    // 190 × 333/1000 = 63.27 → 63; × 666/1000 = 126.54 → 127 (64 more); the whole 190 (63 more).
    expect(parts.map((part) => [part.credits, part.amount_cents, part.tax_cents])).toEqual([
      [333, 333, 63],
      [333, 333, 64],
      [334, 334, 63],
    ]);
    expect(parts.map((part) => part.credit_note_number)).toEqual(expect.arrayContaining([expect.stringMatching(/^CN-\d{6}$/)]));
    expect(new Set(parts.map((part) => part.credit_note_number)).size).toBe(3);
  });

  it('a US state that taxes SaaS (New York, 4%): 333 of 1,000 credits pay back $3.33 + $0.13 (40 × 0.333 = 13.32)', async () => {
    const { org, purchase: bought } = await orgWithPurchase(1_000, { region: 'NY' });
    expect(bought).toMatchObject({ amount_cents: 1_000, tax_cents: 40, total_cents: 1_040 });
    expect((await refund(org, bought.id, { credits: 333 })).json()).toMatchObject({ credits: 333, amount_cents: 333, tax_cents: 13, total_cents: 346 });
    // The rest: 667 credits, $6.67 + the 27 ¢ of tax left (40 − 13).
    expect((await refund(org, bought.id, {})).json()).toMatchObject({ credits: 667, amount_cents: 667, tax_cents: 27, total_cents: 694 });
  });

  it('after part of the purchase was used, only the unused credits and their share of the price go back', async () => {
    const { org, purchase: bought } = await orgWithPurchase(1_000);
    const used = await record(h, org, { tokens: 300_000 });
    expect(used.sources).toEqual([{ source: 'purchased', credits: 300 }]);
    const response = await refund(org, bought.id, {});
    expect(response.json()).toMatchObject({ credits: 700, amount_cents: 700, tax_cents: 0, total_cents: 700, status: 'succeeded' });
    expect((await balance(h, org)).purchased.remaining).toBe(0);
  });

  it('racing 100 simultaneous records on the same credits, never takes more than remain: used + refunded = bought', async () => {
    const { org, purchase: bought } = await orgWithPurchase(1_000);
    const records = Array.from({ length: 100 }, (_, index) =>
      h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: `race-${org}-${index}`, user_id: 'u', feature: 'assistant', action: 'chat', tokens: 5_000 }),
    );
    const [refunded, ...answers] = await Promise.all([refund(org, bought.id, {}), ...records]);
    expect(answers.every((answer) => answer.statusCode === 201)).toBe(true);
    const charged = answers.reduce((sum, answer) => sum + (answer.json() as { charged: number }).charged, 0);
    expect(refunded!.statusCode, refunded!.body).toBe(201);
    expect((refunded!.json() as Refund).credits + charged).toBe(1_000);
    expect((await balance(h, org)).purchased.remaining).toBe(0);
  });

  it('the same idempotency key never refunds twice; the same key for another amount is a conflict', async () => {
    const { org, purchase: bought } = await orgWithPurchase(1_000);
    const first = await refund(org, bought.id, { credits: 100, idempotency_key: 'support-ticket-42' });
    const replay = await refund(org, bought.id, { credits: 100, idempotency_key: 'support-ticket-42' });
    expect(first.statusCode).toBe(201);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual(first.json());
    expect((await refund(org, bought.id, { credits: 200, idempotency_key: 'support-ticket-42' })).json()).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    expect((await balance(h, org)).purchased.remaining).toBe(900);
  });

  it('is for the platform key only; an unknown or unpaid purchase is refused; a bad body names its fields', async () => {
    const { org, purchase: bought } = await orgWithPurchase(1_000);
    const admin = await signIn(h, `admin@${org}.test`, 'admin-password');
    expect((await h.api('POST', `/v1/orgs/${org}/credit-purchases/${bought.id}/refund`, { reason: 'mine' }, as(admin))).statusCode).toBe(403);
    expect((await refund(org, 'cp_nothing', {})).json()).toMatchObject({ code: 'PURCHASE_NOT_FOUND' });
    const bad = await h.api('POST', `/v1/orgs/${org}/credit-purchases/${bought.id}/refund`, { credits: 1.5 });
    expect(bad.statusCode).toBe(422);
    expect(Object.keys((bad.json() as { errors: Record<string, unknown> }).errors).sort()).toEqual(['credits', 'reason']);
    expect((await balance(h, org)).purchased.remaining).toBe(1_000);
  });

  it('when the provider cannot be reached, the credits are taken back and the refund stays pending; the jobs finish it with its credit note', async () => {
    const { org, purchase: bought } = await orgWithPurchase(1_000);
    refundsUnreachable = true;
    const pending = await refund(org, bought.id, { credits: 400 });
    expect(pending.json()).toMatchObject({ credits: 400, status: 'pending', credit_note_number: null });
    expect((await balance(h, org)).purchased.remaining).toBe(600);
    refundsUnreachable = false;
    await advance(h, { seconds: 120 });
    await runDueJobs(h.deps);
    const row = await h.db.selectFrom('refunds').select(['status', 'credit_note_number']).where('refund_id', '=', (pending.json() as Refund).id).executeTakeFirstOrThrow();
    expect(row.status).toBe('succeeded');
    expect(Number(row.credit_note_number)).toBeGreaterThan(0);
    expect((await builtinRefunds()).filter((paid) => paid.idempotency_key === `refund:${(pending.json() as Refund).id}`).map((paid) => Number(paid.amount_cents))).toEqual([400]);
  });

  it('the credit note: its page data, its PDF read back, a billing history entry, and the purchase marked refunded', async () => {
    const { org, purchase: bought } = await orgWithPurchase(1_000, { country: 'DE' });
    const first = (await refund(org, bought.id, { credits: 250, reason: 'Duplicate order' })).json() as Refund;
    const note = await h.api('GET', `/v1/orgs/${org}/credit-notes/${first.credit_note_id}`);
    expect(note.statusCode, note.body).toBe(200);
    const invoice = (await h.api('GET', `/v1/orgs/${org}/invoices/${bought.invoice_id}`)).json() as { number: string };
    // 250 of 1,000 credits: $2.50 and 19% VAT of it, $0.475 → $0.48 (half up).
    expect(note.json()).toMatchObject({
      kind: 'credit_note',
      number: first.credit_note_number,
      purchase_id: bought.id,
      invoice_id: bought.invoice_id,
      invoice_number: invoice.number,
      reason: 'Duplicate order',
      credits: 250,
      unit_price_cents: 1,
      amount_cents: 250,
      tax_cents: 48,
      total_cents: 298,
      refunded_to: { brand: 'visa', last4: '4242' },
    });
    const pdf = await h.api('GET', `/v1/orgs/${org}/credit-notes/${first.credit_note_id}/pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const dir = path.join(PROJECT_ROOT, 'test-artifacts', 'credit-notes');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'credit-note-from-api.pdf');
    writeFileSync(file, pdf.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const expected of [`Credit note ${first.credit_note_number}`, 'Refunded', invoice.number, 'Duplicate order', '250', '$2.50', '$0.48', '$2.98', 'Total refunded', 'Germany', 'Visa •••• 4242']) {
      expect(text, text).toContain(expected);
    }
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, path.join(dir, 'credit-note-from-api')]);

    const history = (await h.api('GET', `/v1/orgs/${org}/billing-history`)).json() as { items: { kind: string; id: string; description: string; amount_cents: number; invoice_number: string | null; credit_note_number: string | null }[] };
    expect(history.items.filter((item) => item.kind === 'credit_note')).toEqual([expect.objectContaining({ kind: 'credit_note', id: first.credit_note_id, description: 'Refund of 250 AI credits', amount_cents: 298, invoice_number: invoice.number, credit_note_number: first.credit_note_number })]);
    const purchases = (await h.api('GET', `/v1/orgs/${org}/credit-purchases`)).json() as { items: { id: string; refunded_credits: number; refund_status: string | null }[] };
    expect(purchases.items.find((item) => item.id === bought.id)).toMatchObject({ refunded_credits: 250, refund_status: 'partially_refunded' });
    await refund(org, bought.id, {});
    const after = (await h.api('GET', `/v1/orgs/${org}/credit-purchases`)).json() as typeof purchases;
    expect(after.items.find((item) => item.id === bought.id)).toMatchObject({ refunded_credits: 1_000, refund_status: 'refunded' });
    // The org's export carries both refunds and both credit notes, each note's PDF in the zip.
    const exported = (await h.api('GET', `/v1/orgs/${org}/export`)).json() as { refunds: { kind: string; credits: number }[]; credit_notes: { number: string; credits: number }[] };
    expect(exported.refunds.map((item) => [item.kind, item.credits])).toEqual([['refund', 250], ['refund', 750]]);
    expect(exported.credit_notes.map((item) => item.credits)).toEqual([250, 750]);
    const zip = await h.api('GET', `/v1/orgs/${org}/export?format=zip`);
    for (const { number } of exported.credit_notes) expect(zip.rawPayload.includes(`credit-notes/${number}.pdf`), number).toBe(true);
    // Another org cannot read it.
    const { org: other } = await orgWithPurchase(100);
    expect((await h.api('GET', `/v1/orgs/${other}/credit-notes/${first.credit_note_id}`)).statusCode).toBe(404);
  });
});
