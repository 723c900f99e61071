import type { Db } from '../db/database.js';
import { lockBook, saveBook, type GrantDetails, type LockedOrg } from '../db/ledger-store.js';
import { saveSubscription } from '../db/orgs.js';
import { assertBookInvariants, expireDue, type LedgerBook } from '../domain/ledger.js';
import { Failure } from '../domain/failures.js';
import type { BillingDeps } from './deps.js';
import { catchUpPeriods } from './roll-over-periods.js';
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
    return outcome.result;
}
