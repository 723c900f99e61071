/**
 * Card disputes (issue 17, point 2): while a dispute is open the purchase's unused credits are frozen
 * (not spendable, shown as frozen in the balance); won → given back; lost → taken back as a
 * `dispute_lost` entry with a credit note for the money the bank returned. Stripe's
 * `charge.dispute.created` / `charge.dispute.closed` arrive signed by the Stripe SDK's own helper, in
 * either order; the built-in provider's test card 4000 0000 0000 0259 is charged, then disputed.
 * Figures by hand: 1 credit costs 1 ¢ on the Starter plan; Germany's VAT is 19%.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { startHarness, type Harness } from './support/harness.js';
import { addCard, CARDS, createOrgAt, purchase } from './support/billing.js';
import { advance, authorize, balance, leavePlanCredits, record } from './support/metering.js';
import { as, signIn } from './support/sessions.js';
import { deliverStripeEvent, stripeEvent } from './support/stripe-events.js';

const SECRET = 'whsec_test_loupe_disputes_0123456789';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ stripeWebhookSecret: SECRET });
});
afterAll(() => h.close());
afterEach(() => h.expectCleanAudit());

interface Purchase {
  id: string;
  credits: number;
  total_cents: number;
  invoice_id: string;
  refund_status: string | null;
  dispute_status: string | null;
}
interface Dispute {
  id: string;
  purchase_id: string;
  status: string;
  frozen_credits: number;
  amount_cents: number;
  credit_note_id: string | null;
}

/** An org with no plan credits left and on-demand off, so only purchased credits can be spent. */
async function orgWithCard(card: string = CARDS.ok, address: { country?: string; region?: string } = { region: 'CA' }) {
  const org = await createOrgAt(h, { plan: 'starter', ...address });
  await leavePlanCredits(h, org, 0);
  await addCard(h, org, card);
  return org;
}

async function buy(org: string, credits: number): Promise<Purchase & { payment: string }> {
  const bought = await purchase(h, org, credits);
  expect(bought.statusCode, bought.body).toBe(201);
  const row = await h.db.selectFrom('credit_purchases').select('provider_payment_id').where('purchase_id', '=', (bought.json() as Purchase).id).executeTakeFirstOrThrow();
  return { ...(bought.json() as Purchase), payment: row.provider_payment_id! };
}

const purchases = async (org: string) => ((await h.api('GET', `/v1/orgs/${org}/credit-purchases`)).json() as { items: Purchase[] }).items;
const disputes = async (org: string) => ((await h.api('GET', `/v1/orgs/${org}/disputes`)).json() as { items: Dispute[] }).items;
const invoice = async (org: string, id: string) => (await h.api('GET', `/v1/orgs/${org}/invoices/${id}`)).json() as { refund_status: string | null; credit_notes: { credits: number; total_cents: number }[] };
const decide = (org: string, id: string, outcome: string) => h.api('POST', `/v1/orgs/${org}/disputes/${id}/decide`, { outcome });

/** A Stripe Dispute event, as Stripe sends it, for the purchase's PaymentIntent. */
function disputeEvent(type: 'charge.dispute.created' | 'charge.dispute.closed', dispute: { id: string; payment: string; amount: number; status: string }) {
  return stripeEvent(type, {
    id: dispute.id,
    object: 'dispute',
    amount: dispute.amount,
    currency: 'usd',
    charge: `ch_for_${dispute.payment}`,
    payment_intent: dispute.payment,
    reason: 'fraudulent',
    status: dispute.status,
    metadata: {},
  });
}

async function deliver(payload: string) {
  const response = await deliverStripeEvent(h, payload, { secret: SECRET });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { outcome: string }).outcome;
}

const ledger = (org: string) =>
  h.db.selectFrom('ledger_entries').select(['kind', 'reason', 'account', 'credits']).where('org_id', '=', org).where('kind', 'in', ['dispute', 'dispute_lost']).orderBy('entry_id').execute();

describe('the built-in test card 4000 0000 0000 0259', () => {
  it('is charged, then disputed: the credits are frozen, shown as such, not spendable and not refundable; the admins are told', async () => {
    const org = await orgWithCard(CARDS.disputed, { country: 'DE' });
    const bought = await buy(org, 1_000);
    expect(bought).toMatchObject({ credits: 1_000, total_cents: 1_190 });
    const now = await balance(h, org);
    expect(now.purchased).toEqual({ remaining: 0, frozen: 1_000 });
    expect(now.available).toBe(0);
    expect((await authorize(h, org, { estimated_tokens: 1_000 })).reason).toBe('CREDITS_EXHAUSTED');
    const [listed] = await purchases(org);
    expect(listed).toMatchObject({ id: bought.id, status: 'succeeded', refund_status: 'disputed', dispute_status: 'open' });
    expect((await invoice(org, bought.invoice_id)).refund_status).toBe('disputed');
    const [dispute] = await disputes(org);
    expect(dispute).toMatchObject({ purchase_id: bought.id, status: 'open', frozen_credits: 1_000, amount_cents: 1_190, credit_note_id: null });
    expect(await ledger(org)).toEqual([
      { kind: 'dispute', reason: 'dispute_opened', account: 'purchased', credits: -1_000 },
      { kind: 'dispute', reason: 'dispute_opened', account: 'frozen', credits: 1_000 },
    ]);
    const refused = await h.api('POST', `/v1/orgs/${org}/credit-purchases/${bought.id}/refund`, { reason: 'mistake' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'PURCHASE_DISPUTED' });
    // The admin's notice and e-mail, in sentences; the webhook event.
    const notices = await h.db.selectFrom('notifications').select(['title', 'body']).where('org_id', '=', org).where('type', '=', 'purchase.disputed').execute();
    expect(notices[0]).toMatchObject({ title: 'A credit purchase is disputed' });
    expect(notices[0]!.body).toContain('1,000 unused credits are frozen');
    const mails = await h.db.selectFrom('email_messages').select('subject').where('org_id', '=', org).execute();
    expect(mails.map((mail) => mail.subject)).toContainEqual(expect.stringMatching(/\] A credit purchase is disputed$/));
    const events = await h.db.selectFrom('events').select('data').where('org_id', '=', org).where('type', '=', 'purchase.disputed').execute();
    expect(events.map((event) => event.data)).toEqual([expect.objectContaining({ purchase_id: bought.id, status: 'open', frozen_credits: 1_000 })]);
  });

  it('won: the frozen credits come back and can be spent', async () => {
    const org = await orgWithCard(CARDS.disputed);
    const bought = await buy(org, 1_000);
    const [dispute] = await disputes(org);
    const won = await decide(org, dispute!.id, 'won');
    expect(won.statusCode, won.body).toBe(200);
    expect(won.json()).toMatchObject({ status: 'won', frozen_credits: 1_000, credit_note_id: null });
    expect((await balance(h, org)).purchased).toEqual({ remaining: 1_000, frozen: 0 });
    expect((await record(h, org, { tokens: 200_000 })).sources).toEqual([{ source: 'purchased', credits: 200 }]);
    expect((await purchases(org))[0]).toMatchObject({ refund_status: null, dispute_status: 'won' });
    expect((await invoice(org, bought.invoice_id)).refund_status).toBeNull();
    // Decided once: a second decision is refused and changes nothing.
    expect((await decide(org, dispute!.id, 'lost')).json()).toMatchObject({ code: 'DISPUTE_NOT_DECIDABLE' });
    expect((await balance(h, org)).purchased).toEqual({ remaining: 800, frozen: 0 });
  });

  it('lost: the credits are taken back (dispute_lost) with a credit note for the whole charge, read back from its PDF', async () => {
    const org = await orgWithCard(CARDS.disputed, { country: 'DE' });
    const bought = await buy(org, 1_000);
    const [dispute] = await disputes(org);
    const lost = (await decide(org, dispute!.id, 'lost')).json() as Dispute;
    expect(lost).toMatchObject({ status: 'lost', frozen_credits: 1_000, credit_note_id: expect.stringMatching(/^cn_/) });
    expect((await balance(h, org)).purchased).toEqual({ remaining: 0, frozen: 0 });
    expect((await ledger(org)).at(-1)).toEqual({ kind: 'dispute_lost', reason: 'dispute_lost', account: 'frozen', credits: -1_000 });
    expect((await purchases(org))[0]).toMatchObject({ refund_status: 'refunded', dispute_status: 'lost', refunded_credits: 1_000 });
    expect(await invoice(org, bought.invoice_id)).toMatchObject({ refund_status: 'refunded', credit_notes: [{ credits: 1_000, total_cents: 1_190 }] });
    const note = await h.api('GET', `/v1/orgs/${org}/credit-notes/${lost.credit_note_id}`);
    expect(note.json()).toMatchObject({ kind: 'credit_note', credits: 1_000, amount_cents: 1_000, tax_cents: 190, total_cents: 1_190, purchase_id: bought.id });
    const pdf = await h.api('GET', `/v1/orgs/${org}/credit-notes/${lost.credit_note_id}/pdf`);
    const dir = path.join(PROJECT_ROOT, 'test-artifacts', 'credit-notes');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'credit-note-dispute-lost.pdf');
    writeFileSync(file, pdf.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const expected of ['dispute', '$10.00', '$1.90', '$11.90', '1,000']) expect(text, text).toContain(expected);
    const history = (await h.api('GET', `/v1/orgs/${org}/billing-history`)).json() as { items: { kind: string; credit_note_number?: string }[] };
    expect(history.items.filter((item) => item.kind === 'credit_note')).toHaveLength(1);
    const notices = await h.db.selectFrom('notifications').select('title').where('org_id', '=', org).where('type', '=', 'purchase.disputed').execute();
    expect(notices.map((notice) => notice.title).sort()).toEqual(['A card dispute was lost', 'A credit purchase is disputed']);
    // The org's export carries the dispute, its refund and its credit note, the note's PDF in the zip.
    const exported = (await h.api('GET', `/v1/orgs/${org}/export`)).json() as { disputes: { dispute_id: string; status: string }[]; refunds: { kind: string; credits: number }[]; credit_notes: { id: string; number: string }[] };
    expect(exported.disputes).toEqual([expect.objectContaining({ dispute_id: dispute!.id, status: 'lost' })]);
    expect(exported.refunds).toEqual([expect.objectContaining({ kind: 'dispute_lost', credits: 1_000 })]);
    expect(exported.credit_notes).toEqual([expect.objectContaining({ id: lost.credit_note_id })]);
    const zip = await h.api('GET', `/v1/orgs/${org}/export?format=zip`);
    expect(zip.rawPayload.includes(`credit-notes/${exported.credit_notes[0]!.number}.pdf`)).toBe(true);
  });

  it('deciding is for the platform key, on a dispute of this org', async () => {
    const org = await orgWithCard(CARDS.disputed);
    await buy(org, 500);
    const [dispute] = await disputes(org);
    const admin = await signIn(h, `admin@${org}.test`, 'admin-password');
    expect((await h.api('POST', `/v1/orgs/${org}/disputes/${dispute!.id}/decide`, { outcome: 'won' }, as(admin))).statusCode).toBe(403);
    const other = await orgWithCard();
    expect((await decide(other, dispute!.id, 'won')).json()).toMatchObject({ code: 'DISPUTE_NOT_FOUND' });
    const bad = await decide(org, dispute!.id, 'maybe');
    expect(bad.statusCode).toBe(422);
    expect(Object.keys((bad.json() as { errors: Record<string, unknown> }).errors)).toEqual(['outcome']);
    expect((await balance(h, org)).purchased).toEqual({ remaining: 0, frozen: 500 });
  });
});

describe('Stripe disputes at the webhook', () => {
  it('open → lost after part of the purchase was used: only the unused credits are frozen, then taken back; the bank returns the whole charge', async () => {
    const org = await orgWithCard(CARDS.ok, { country: 'DE' });
    const bought = await buy(org, 1_000);
    await record(h, org, { tokens: 300_000 });
    const dispute = { id: `du_${org}`, payment: bought.payment, amount: 1_190 };
    expect(await deliver(disputeEvent('charge.dispute.created', { ...dispute, status: 'needs_response' }))).toBe('applied');
    expect((await balance(h, org)).purchased).toEqual({ remaining: 0, frozen: 700 });
    expect(await deliver(disputeEvent('charge.dispute.closed', { ...dispute, status: 'lost' }))).toBe('applied');
    expect((await balance(h, org)).purchased).toEqual({ remaining: 0, frozen: 0 });
    const [closed] = await disputes(org);
    expect(closed).toMatchObject({ status: 'lost', frozen_credits: 700, amount_cents: 1_190 });
    const note = (await h.api('GET', `/v1/orgs/${org}/credit-notes/${closed!.credit_note_id}`)).json();
    expect(note).toMatchObject({ credits: 700, amount_cents: 1_000, tax_cents: 190, total_cents: 1_190 });
  });

  it('open → won: the credits come back; Stripe’s warning_closed (no chargeback) counts as won', async () => {
    const org = await orgWithCard();
    const bought = await buy(org, 1_000);
    const dispute = { id: `du_${org}`, payment: bought.payment, amount: 1_000 };
    await deliver(disputeEvent('charge.dispute.created', { ...dispute, status: 'warning_needs_response' }));
    expect((await balance(h, org)).purchased).toEqual({ remaining: 0, frozen: 1_000 });
    expect(await deliver(disputeEvent('charge.dispute.closed', { ...dispute, status: 'warning_closed' }))).toBe('applied');
    expect((await balance(h, org)).purchased).toEqual({ remaining: 1_000, frozen: 0 });
    expect((await disputes(org))[0]).toMatchObject({ status: 'won' });
  });

  it('closed before created (lost): applied at once; the late opening is stale and freezes nothing', async () => {
    const org = await orgWithCard();
    const bought = await buy(org, 1_000);
    const dispute = { id: `du_${org}`, payment: bought.payment, amount: 1_000 };
    expect(await deliver(disputeEvent('charge.dispute.closed', { ...dispute, status: 'lost' }))).toBe('applied');
    expect(await deliver(disputeEvent('charge.dispute.created', { ...dispute, status: 'needs_response' }))).toBe('stale');
    expect((await balance(h, org)).purchased).toEqual({ remaining: 0, frozen: 0 });
    expect((await disputes(org)).map((row) => [row.status, row.frozen_credits])).toEqual([['lost', 1_000]]);
    expect((await purchases(org))[0]).toMatchObject({ refund_status: 'refunded', dispute_status: 'lost' });
  });

  it('closed before created (won): nothing is frozen, nothing taken; replays are duplicates', async () => {
    const org = await orgWithCard();
    const bought = await buy(org, 1_000);
    const dispute = { id: `du_${org}`, payment: bought.payment, amount: 1_000 };
    const closed = disputeEvent('charge.dispute.closed', { ...dispute, status: 'won' });
    expect(await deliver(closed)).toBe('applied');
    expect(await deliver(closed)).toBe('duplicate');
    expect(await deliver(disputeEvent('charge.dispute.created', { ...dispute, status: 'needs_response' }))).toBe('stale');
    expect((await balance(h, org)).purchased).toEqual({ remaining: 1_000, frozen: 0 });
    const opened = disputeEvent('charge.dispute.created', { id: `du_${org}_2`, payment: bought.payment, amount: 1_000, status: 'needs_response' });
    expect(await deliver(opened)).toBe('applied');
    expect(await deliver(opened)).toBe('duplicate');
    expect((await balance(h, org)).purchased).toEqual({ remaining: 0, frozen: 1_000 });
  });

  it('after a partial refund, a lost dispute returns only what was not refunded: $6.67 + $1.27 of $10.00 + $1.90', async () => {
    const org = await orgWithCard(CARDS.ok, { country: 'DE' });
    const bought = await buy(org, 1_000);
    const refunded = await h.api('POST', `/v1/orgs/${org}/credit-purchases/${bought.id}/refund`, { credits: 333, reason: 'Part by mistake' });
    expect(refunded.json()).toMatchObject({ amount_cents: 333, tax_cents: 63 });
    expect((await purchases(org))[0]).toMatchObject({ refund_status: 'partially_refunded' });
    const dispute = { id: `du_${org}`, payment: bought.payment, amount: 1_190 };
    await deliver(disputeEvent('charge.dispute.created', { ...dispute, status: 'needs_response' }));
    await deliver(disputeEvent('charge.dispute.closed', { ...dispute, status: 'lost' }));
    const [closed] = await disputes(org);
    expect((await h.api('GET', `/v1/orgs/${org}/credit-notes/${closed!.credit_note_id}`)).json()).toMatchObject({ credits: 667, amount_cents: 667, tax_cents: 127, total_cents: 794 });
    expect((await purchases(org))[0]).toMatchObject({ refund_status: 'refunded', refunded_credits: 1_000 });
  });

  it('a dispute racing 100 simultaneous records never freezes a credit that was spent: used + frozen = bought', async () => {
    const org = await orgWithCard();
    const bought = await buy(org, 1_000);
    const records = Array.from({ length: 100 }, (_, index) =>
      h.api('POST', `/v1/orgs/${org}/ai/usage`, { idempotency_key: `race-${org}-${index}`, user_id: 'u', feature: 'assistant', action: 'chat', tokens: 5_000 }),
    );
    const [outcome, ...answers] = await Promise.all([deliver(disputeEvent('charge.dispute.created', { id: `du_${org}`, payment: bought.payment, amount: 1_000, status: 'needs_response' })), ...records]);
    expect(outcome).toBe('applied');
    const charged = answers.reduce((sum, answer) => sum + (answer.json() as { charged: number }).charged, 0);
    const [dispute] = await disputes(org);
    expect(dispute!.frozen_credits + charged).toBe(1_000);
    expect((await balance(h, org)).purchased).toEqual({ remaining: 0, frozen: dispute!.frozen_credits });
  });

  it('a dispute of a payment that bought no credits is ignored; Stripe disputes cannot be decided here', async () => {
    expect(await deliver(disputeEvent('charge.dispute.created', { id: 'du_elsewhere', payment: 'pi_not_ours', amount: 500, status: 'needs_response' }))).toBe('ignored');
    const org = await orgWithCard();
    const bought = await buy(org, 1_000);
    await deliver(disputeEvent('charge.dispute.created', { id: `du_${org}`, payment: bought.payment, amount: 1_000, status: 'needs_response' }));
    const [dispute] = await disputes(org);
    // The built-in provider knows no such dispute: Stripe's bank decides it.
    expect((await decide(org, dispute!.id, 'won')).json()).toMatchObject({ code: 'DISPUTE_NOT_DECIDABLE' });
    expect((await balance(h, org)).purchased).toEqual({ remaining: 0, frozen: 1_000 });
  });

  // Last in the file: it moves the test clock 70 days on.
  it('an org purged with an open dispute and a lost one: the disputes and credit notes stay archived, the audit stays clean', async () => {
    const org = await orgWithCard(CARDS.disputed);
    await buy(org, 500);
    await buy(org, 700);
    const [newest] = await disputes(org);
    expect((await decide(org, newest!.id, 'lost')).statusCode).toBe(200);
    expect((await h.api('POST', `/v1/orgs/${org}/subscription/cancel`)).statusCode).toBe(202);
    await advance(h, { seconds: 70 * 86_400 });
    const row = await h.db.selectFrom('orgs').select('purged_at').where('org_id', '=', org).executeTakeFirstOrThrow();
    expect(row.purged_at).not.toBeNull();
    expect(await h.db.selectFrom('disputes').select('status').where('org_id', '=', org).orderBy('status').execute()).toEqual([{ status: 'lost' }, { status: 'open' }]);
    expect(await h.db.selectFrom('refunds').select('kind').where('org_id', '=', org).execute()).toEqual([{ kind: 'dispute_lost' }]);
  });
});
