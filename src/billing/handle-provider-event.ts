import { prorationDescription, upgradeProration } from '../domain/proration.js';
import type { Db } from '../db/database.js';
import type { SubscriptionRow } from '../db/schema.js';
import { providerEventSeen, rememberProviderEvent } from '../db/events.js';
import { publishEvent } from '../notifications/publish.js';
import { insertPendingItem } from '../db/invoices.js';
import { addGrant, expireDue, type LedgerBook } from '../domain/ledger.js';
import { periodAt } from '../domain/periods.js';
import { findPlan, type Terms } from '../domain/plans.js';
import type { ProviderEvent, SubscriptionState } from '../providers/payments.js';
import type { BillingDeps } from './deps.js';
import { newId } from '../domain/ids.js';
import { withOrgLedger } from './org-ledger.js';
import type { LedgerWork } from '../ledger/org-transaction.js';
import { issueFirstPeriodInvoice } from './period-invoices.js';
import { RETENTION_DAYS_AFTER_CANCEL, startPeriod, termsOf } from '../ledger/rollover.js';
import { settlePurchase } from './purchase-credits.js';
import { settleInvoicePayment } from './collect-invoice.js';
import { applyDisputeEvent } from './disputes.js';
import { forEachOrg, logOrgJobFailure, type OrgJobFailureLog } from './for-each-org.js';

export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

/**
 * Applies one provider event, once (by event id), whichever provider sent it and in whatever order
 * they arrive: a subscription event older than the last one applied to the org is stale and ignored.
 */
export async function handleProviderEvent(deps: BillingDeps, event: ProviderEvent): Promise<EventOutcome> {
  switch (event.type) {
    case 'subscription.updated':
      return withOrgLedger(deps, event.subscription.orgId, (locked) => applySubscriptionState(deps, locked, event, event.subscription));
    case 'subscription.deleted':
      return withOrgLedger(deps, event.orgId, (locked) => endSubscriptionNow(deps, locked, event));
    case 'payment.succeeded':
    case 'payment.failed':
      return applyPaymentEvent(deps, event);
    case 'dispute.opened':
    case 'dispute.closed':
      return applyDisputeEvent(deps, event);
    case 'ignored':
      await rememberProviderEvent(deps.db, { eventId: event.id, type: event.providerType, orgId: null, now: deps.clock.now(), outcome: 'ignored' });
      return 'ignored';
  }
}

/**
 * Delivers the events the provider holds for us that no webhook brings (the built-in provider's
 * disputes) through the same handler; answers how many were new. Run after a charge and by the jobs.
 */
export async function deliverProviderEvents(deps: BillingDeps, log: OrgJobFailureLog = logOrgJobFailure): Promise<number> {
  let applied = 0;
  // An event that fails (its purchase not settled yet) is logged and stays undelivered: a later run retries it.
  const items = (await deps.provider.undeliveredEvents()).map((event) => ({ orgId: `(provider event ${event.id})`, event }));
  await forEachOrg({ job: 'provider events', items, log }, async ({ event }) => {
    if ((await handleProviderEvent(deps, event)) === 'applied') applied += 1;
  });
  return applied;
}

type Locked = Parameters<Parameters<typeof withOrgLedger>[2]>[0];

async function firstTime(tx: Db, deps: BillingDeps, event: ProviderEvent, orgId: string, subscription: SubscriptionRow): Promise<EventOutcome | null> {
  const stale = subscription.last_provider_event_at !== null && event.createdAt.getTime() < subscription.last_provider_event_at.getTime();
  const fresh = await rememberProviderEvent(tx, { eventId: event.id, type: event.type, orgId, now: deps.clock.now(), outcome: stale ? 'stale' : 'applied' });
  if (!fresh) return 'duplicate';
  return stale ? 'stale' : null;
}

async function applySubscriptionState(deps: BillingDeps, locked: Locked, event: ProviderEvent, state: SubscriptionState): Promise<LedgerWork<EventOutcome>> {
  const { tx, org, contract } = locked;
  let { book, subscription } = locked;
  const skip = await firstTime(tx, deps, event, org.org_id, subscription);
  if (skip) return { book, result: skip };
  const now = book.now;
  if (subscription.status === 'canceled' && !state.cancelAtPeriodEnd) {
    // A canceled org resubscribes: a new term starts now; purchased credits were never touched.
    const terms = termsOf(deps.catalog, state.plan, contract);
    const period = periodAt(now, 0, terms.periodUnit);
    book = startPeriod(book, period, terms, newId('grt'));
    subscription = {
      ...subscription,
      status: 'active',
      plan_id: state.plan,
      anchor_at: now,
      period_unit: terms.periodUnit,
      period_index: 0,
      current_period_start: period.start,
      current_period_end: period.end,
      canceled_at: null,
      purge_after: null,
    };
    await issueFirstPeriodInvoice(tx, deps, org, { period, terms });
  } else if (state.plan !== subscription.plan_id) {
    const upgraded = await applyUpgrade(tx, deps, { book, subscription, from: termsOf(deps.catalog, subscription.plan_id, contract), to: termsOf(deps.catalog, state.plan, contract) });
    book = upgraded.book;
    subscription = { ...subscription, plan_id: state.plan };
  }
  subscription = {
    ...subscription,
    scheduled_plan_id: state.scheduledPlan,
    cancel_at_period_end: state.cancelAtPeriodEnd,
    pending_change: null,
    last_provider_event_at: event.createdAt,
    updated_at: now,
  };
  await publishEvent(tx, {
    orgId: org.org_id,
    type: 'subscription.changed',
    data: {
      plan: subscription.plan_id,
      plan_name: findPlan(deps.catalog, subscription.plan_id)?.name ?? subscription.plan_id,
      scheduled_plan: subscription.scheduled_plan_id,
      scheduled_plan_name: subscription.scheduled_plan_id === null ? null : (findPlan(deps.catalog, subscription.scheduled_plan_id)?.name ?? subscription.scheduled_plan_id),
      cancel_at_period_end: subscription.cancel_at_period_end,
      current_period_end: subscription.current_period_end.toISOString(),
      status: subscription.status,
    },
    now,
  }, deps);
  return { book, subscription, result: 'applied' };
}

/**
 * An upgrade applies at once: the period's included credits rise by the difference (expiring with
 * the period), and the price difference, prorated by the time left, waits for the next invoice.
 */
async function applyUpgrade(tx: Db, deps: BillingDeps, input: { book: LedgerBook; subscription: SubscriptionRow; from: Terms; to: Terms }) {
  const { book, subscription, from, to } = input;
  let next = book;
  const extraCredits = to.includedCredits - from.includedCredits;
  if (extraCredits > 0) {
    const grantId = newId('grt');
    next = addGrant(next, {
      id: grantId,
      bucket: 'plan',
      credits: extraCredits,
      expiresAt: subscription.current_period_end,
      reason: 'plan_upgrade_grant',
      periodStart: subscription.current_period_start,
    });
  }
  const proration = upgradeProration({
    fromPriceCents: from.basePriceCents,
    toPriceCents: to.basePriceCents,
    period: { start: subscription.current_period_start, end: subscription.current_period_end },
    at: book.now,
  });
  const prorated = proration.amountCents;
  if (prorated > 0) {
    await insertPendingItem(tx, {
      orgId: subscription.org_id,
      itemId: newId('pii'),
      kind: 'proration',
      description: prorationDescription(from.planName, to.planName, proration),
      quantity: 1,
      unitPriceCents: prorated,
      amountCents: prorated,
      now: book.now,
    });
  }
  return { book: next };
}

/** The provider ended the subscription outright (Stripe's customer.subscription.deleted). */
async function endSubscriptionNow(deps: BillingDeps, locked: Locked, event: ProviderEvent): Promise<LedgerWork<EventOutcome>> {
  const { tx, org, book, subscription } = locked;
  const skip = await firstTime(tx, deps, event, org.org_id, subscription);
  if (skip || subscription.status === 'canceled') return { book, result: skip ?? 'applied' };
  const now = book.now;
  const expired = expireDue({ ...book, grants: book.grants.map((grant) => (grant.bucket === 'plan' ? { ...grant, expiresAt: now } : grant)) });
  const ended: SubscriptionRow = {
    ...subscription,
    status: 'canceled',
    cancel_at_period_end: false,
    scheduled_plan_id: null,
    pending_change: null,
    canceled_at: now,
    purge_after: new Date(now.getTime() + RETENTION_DAYS_AFTER_CANCEL * 86_400_000),
    last_provider_event_at: event.createdAt,
    updated_at: now,
  };
  await publishEvent(tx, { orgId: org.org_id, type: 'subscription.canceled', data: { ended_at: now.toISOString() }, now }, deps);
  return { book: { ...expired, grants: expired.grants }, subscription: ended, result: 'applied' };
}

async function applyPaymentEvent(deps: BillingDeps, event: Extract<ProviderEvent, { type: 'payment.succeeded' | 'payment.failed' }>): Promise<EventOutcome> {
  const orgId = event.metadata.loupe_org_id;
  const outcome =
    event.type === 'payment.succeeded'
      ? ({ status: 'succeeded', providerPaymentId: event.providerPaymentId } as const)
      : ({ status: 'failed', providerPaymentId: event.providerPaymentId, failureCode: event.failureCode ?? 'card_declined', message: 'The payment failed.' } as const);
  if (await providerEventSeen(deps.db, event.id)) return 'duplicate';
  // Settling is idempotent (only a pending purchase or an open invoice changes), so the event is
  // remembered after it is applied: a crash in between applies it again, harmlessly.
  let result: EventOutcome = 'ignored';
  if (orgId && event.metadata.loupe_purchase_id) {
    await settlePurchase(deps, { orgId, purchaseId: event.metadata.loupe_purchase_id, outcome });
    result = 'applied';
  } else if (orgId && event.metadata.loupe_invoice_id) {
    await settleInvoicePayment(deps, { orgId, invoiceId: event.metadata.loupe_invoice_id, attempt: null, outcome });
    result = 'applied';
  }
  const fresh = await rememberProviderEvent(deps.db, { eventId: event.id, type: event.type, orgId: orgId ?? null, now: deps.clock.now(), outcome: result });
  return fresh ? result : 'duplicate';
}
