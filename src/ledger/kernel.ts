import type { OrgSettingsRow, SubscriptionRow, UsageRow } from '../db/schema.js';
import type { EventType } from '../db/events.js';
import { assertBookInvariants, expireDue, prepaidCredits, type LedgerBook } from '../domain/ledger.js';
import { crossedBelow, detectCrossings, lowBalanceThreshold } from '../domain/crossings.js';
import { Failure } from '../domain/failures.js';
import { catchUpPeriods, termsOf, type PeriodClosing } from './rollover.js';
import type { KernelRules, LoadedOrg, MemberAlert, NewHoldRow, OpenOrg, OrgState, WorkingOrg } from './state.js';
import { applyRequest, type LedgerRequest } from './requests.js';

/**
 * The ledger kernel (DESIGN.md): given the books of some orgs, loaded under their locks, and an
 * ordered list of requests, it computes every request's answer and the effects to write — ledger
 * entries, grant and hold changes, usage rows, the new cached totals, events to publish,
 * auto-recharge requests and the periods that closed (whose invoices are issued after the commit).
 * It performs nothing: no I/O, no use cases. The engine (engine.ts) loads, calls it and writes.
 */

export interface PublishedEvent {
  readonly id: string;
  readonly type: EventType;
  readonly data: Record<string, unknown>;
}

/** Everything one org's part of a cycle writes. */
export interface OrgEffects {
  readonly orgId: string;
  readonly loaded: LedgerBook;
  readonly book: LedgerBook;
  /** The subscription to save, when it changed (a rollover, a change made by the work). */
  readonly subscription: SubscriptionRow | null;
  /** When the org's ledger next needs maintenance; null = nothing will come due. */
  readonly nextDueAt: Date | null;
  readonly newHolds: readonly NewHoldRow[];
  readonly usageRows: readonly UsageRow[];
  readonly events: readonly PublishedEvent[];
  readonly autoRecharges: readonly { readonly id: string; readonly credits: number }[];
  readonly closings: readonly PeriodClosing[];
  readonly userAlerts: readonly MemberAlert[];
}

export type Answer = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly failure: Failure };

/** Runs every period boundary that passed, then the expiries that came due. */
export function openOrg(state: OrgState, rules: KernelRules): OpenOrg {
  const caughtUp = catchUpPeriods({ book: state.book, subscription: state.subscription, catalog: rules.catalog, contract: state.contract, newId: rules.newId });
  const maintained = expireDue(caughtUp.book);
  return {
    ...state,
    book: maintained,
    subscription: caughtUp.subscription,
    loaded: state.book,
    maintained,
    terms: termsOf(rules.catalog, caughtUp.subscription.plan_id, state.contract),
    closings: caughtUp.closings,
  };
}

/**
 * The end of an org's part of a transaction: the invariants, then the alerts and auto-recharge
 * requests for every line the balance crossed — first through the maintenance (a new period
 * re-arms), then through the requests — and the effects to write.
 */
export function closeOrg(
  open: OpenOrg,
  book: LedgerBook,
  rules: KernelRules,
  written: {
    subscription?: SubscriptionRow | undefined;
    newHolds?: readonly NewHoldRow[];
    usageRows?: readonly UsageRow[];
    memberAlerts?: readonly MemberAlert[];
    memberEvents?: readonly { type: EventType; data: Record<string, unknown> }[];
  } = {},
): OrgEffects {
  assertBookInvariants(book);
  const threshold = lowBalanceThreshold({ setting: open.settings.low_balance_threshold, includedCredits: open.terms.includedCredits });
  const events: PublishedEvent[] = [];
  const autoRecharges: { id: string; credits: number }[] = [];
  for (const [before, after] of [[open.loaded, open.maintained], [open.maintained, book]] as const) {
    for (const crossing of detectCrossings(before, after, threshold)) {
      // Credits that run out because the term ended (its plan credits expire) are not a reason to buy more.
      const data = crossing.type === 'credits.exhausted' ? { ...crossing.data, subscription_ended: (written.subscription ?? open.subscription).status === 'canceled' } : crossing.data;
      events.push({ id: rules.newId('evt'), type: crossing.type, data });
    }
    const credits = autoRechargeCredits(open.settings, before, after);
    if (credits !== null) autoRecharges.push({ id: rules.newId('ar'), credits });
  }
  for (const event of written.memberEvents ?? []) events.push({ id: rules.newId('evt'), type: event.type, data: event.data });
  const subscription = written.subscription ?? open.subscription;
  return {
    orgId: open.org.org_id,
    loaded: open.loaded,
    book,
    subscription: written.subscription !== undefined || open.closings.length > 0 ? subscription : null,
    nextDueAt: nextDueAt(book, subscription),
    newHolds: written.newHolds ?? [],
    usageRows: written.usageRows ?? [],
    events,
    autoRecharges,
    closings: open.closings,
    userAlerts: written.memberAlerts ?? [],
  };
}

/**
 * Auto-recharge (beyond the help page; Lago, Orb and Metronome offer it): when the org's credits
 * fall below T, buy N credits with the default card — requested once per crossing, bought later.
 */
function autoRechargeCredits(settings: OrgSettingsRow, before: LedgerBook, after: LedgerBook): number | null {
  const threshold = settings.auto_recharge_threshold_credits;
  const amount = settings.auto_recharge_amount_credits;
  if (!settings.auto_recharge_enabled || settings.auto_recharge_paused_at !== null || threshold === null || amount === null) return null;
  return crossedBelow(prepaidCredits(before), prepaidCredits(after), threshold) ? amount : null;
}

/** The soonest of the period's end, a live grant's expiry and an active hold's expiry. */
export function nextDueAt(book: LedgerBook, subscription: SubscriptionRow): Date | null {
  const times = [
    ...(subscription.status === 'canceled' ? [] : [subscription.current_period_end.getTime()]),
    ...book.grants.filter((grant) => grant.remainingCredits > 0 && grant.expiresAt !== null).map((grant) => grant.expiresAt!.getTime()),
    ...book.holds.map((hold) => hold.expiresAt.getTime()),
  ];
  return times.length === 0 ? null : new Date(Math.min(...times));
}

/**
 * One cycle: each request in order, against its org's state as the requests before it left it.
 * A request of an org that was not loaded (unknown, purged) answers ORG_NOT_FOUND; one that fails
 * changes nothing and the others go on. A broken invariant throws: the engine retries the cycle
 * in smaller parts, so only the request that broke it fails.
 */
export function runCycle(
  orgs: ReadonlyMap<string, LoadedOrg>,
  requests: readonly LedgerRequest[],
  rules: KernelRules,
): { answers: Answer[]; effects: OrgEffects[] } {
  const working = new Map<string, WorkingOrg>();
  const answers = requests.map((request): Answer => {
    const loaded = orgs.get(request.orgId);
    if (!loaded) return { ok: false, failure: new Failure('ORG_NOT_FOUND', `There is no organization ${request.orgId}.`) };
    let org = working.get(request.orgId);
    if (!org) {
      org = startWorking(loaded, rules);
      working.set(request.orgId, org);
    }
    try {
      return { ok: true, value: applyRequest(org, request, rules) };
    } catch (error) {
      if (error instanceof Failure) return { ok: false, failure: error };
      throw error;
    }
  });
  const effects = [...working.values()].map((org) =>
    closeOrg(org.open, org.book, rules, { newHolds: org.newHolds, usageRows: org.usageRows, memberAlerts: org.memberAlerts, memberEvents: org.memberEvents }),
  );
  return { answers, effects };
}

function startWorking(loaded: LoadedOrg, rules: KernelRules): WorkingOrg {
  const open = openOrg(loaded, rules);
  // Holds the maintenance just expired are no longer active, whatever their row said.
  const closedNow = new Map(open.maintained.closedHolds.map((hold) => [hold.id, hold.closing]));
  const holdsById = new Map([...loaded.holdsById].map(([id, hold]) => [id, { ...hold, status: closedNow.get(id) ?? hold.status }]));
  // A period that began in this cycle's maintenance starts every member's count at zero.
  const newPeriod = open.subscription.current_period_start.getTime() !== loaded.subscription.current_period_start.getTime();
  const members = new Map(
    [...loaded.userLimits].map(([userId, member]) => [userId, { limit: member.limit, used: newPeriod ? 0 : member.used, alerts: new Set(newPeriod ? [] : member.alerts) }]),
  );
  return {
    open,
    book: open.maintained,
    usageByKey: new Map(loaded.usageByKey),
    holdsById,
    holdUsers: new Map(loaded.holdUsers),
    members,
    memberAlerts: [],
    memberEvents: [],
    newHolds: [],
    usageRows: [],
  };
}
