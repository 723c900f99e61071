import type { Db } from '../db/database.js';
import { lockBook, saveBook, type GrantDetails, type LockedOrg } from '../db/ledger-store.js';
import { saveSubscription } from '../db/orgs.js';
import { assertBookInvariants, expireDue, type LedgerBook } from '../domain/ledger.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { catchUpPeriods, termsOf } from './roll-over-periods.js';
import { detectCrossings, lowBalanceThreshold } from '../domain/crossings.js';
import { publishEvent } from '../notifications/publish.js';
import { requestAutoRecharge } from './auto-recharge.js';
import { issuePeriodInvoices } from './period-invoices.js';

export interface LedgerWork<T> {
  readonly book: LedgerBook;
  readonly result: T;
  readonly grantDetails?: GrantDetails;
}

/**
 * The shape of every money-moving use case (DESIGN.md): one transaction that locks the org's balance
 * row, loads its book, brings it up to date (period rollovers, expiries), lets `work` compute the
 * outcome with domain/ functions and its own writes, checks the invariants and writes the entries.
 */
export async function withOrgLedger<T>(deps: BillingDeps, orgId: string, work: LedgerWorkFunction<T>): Promise<T> {
  return deps.db.transaction().execute((tx) => inOrgLedger(tx, deps, orgId, work));
}

/**
 * Low balance, exhaustion and overage alerts, and auto-recharge requests, for every line the
 * balance crossed in this transaction: first through the maintenance (a new period re-arms), then
 * through the work itself.
 */
async function announceCrossings(tx: Db, deps: BillingDeps, org: LockedOrg, books: readonly [LedgerBook, LedgerBook, LedgerBook]): Promise<void> {
  const terms = termsOf(deps.catalog, org.subscription.plan_id, org.contract);
  const threshold = lowBalanceThreshold({ setting: org.settings.low_balance_threshold, includedCredits: terms.includedCredits });
  const steps = [[books[0], books[1]], [books[1], books[2]]] as const;
  for (const [before, after] of steps) {
    for (const crossing of detectCrossings(before, after, threshold)) {
      await publishEvent(tx, { orgId: org.org.org_id, type: crossing.type, data: crossing.data, now: after.now }, deps);
    }
    await requestAutoRecharge(tx, org, before, after);
  }
}

export type LedgerWorkFunction<T> = (input: LockedOrg & { tx: Db }) => Promise<LedgerWork<T>> | LedgerWork<T>;

/** The same inside a transaction the caller opened (creating an org inserts its rows first). */
export async function inOrgLedger<T>(tx: Db, deps: BillingDeps, orgId: string, work: LedgerWorkFunction<T>): Promise<T> {
    const locked = await lockBook(tx, orgId, deps.clock.now());
    if (!locked) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
    const caughtUp = catchUpPeriods({ book: locked.book, subscription: locked.subscription, catalog: deps.catalog, contract: locked.contract });
    if (caughtUp.closings.length > 0) {
      await saveSubscription(tx, caughtUp.subscription);
      await issuePeriodInvoices(tx, deps, locked.org, caughtUp.closings);
    }
    const current: LockedOrg = { ...locked, subscription: caughtUp.subscription, book: expireDue(caughtUp.book) };
    const outcome = await work({ ...current, tx });
    assertBookInvariants(outcome.book);
    const details: GrantDetails = new Map([...caughtUp.grantDetails, ...(outcome.grantDetails ?? [])]);
    await saveBook(tx, orgId, locked.book, outcome.book, details);
    await announceCrossings(tx, deps, { ...current, book: outcome.book }, [locked.book, current.book, outcome.book]);
    return outcome.result;
}
