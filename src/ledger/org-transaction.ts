import type { Db } from '../db/database.js';
import type { ContractTerms, OrgRow, OrgSettingsRow, SubscriptionRow } from '../db/schema.js';
import { lockAndLoad, writeEffects } from '../db/ledger-cycle.js';
import type { LedgerBook } from '../domain/ledger.js';
import { Failure } from '../domain/failures.js';
import type { Terms } from '../domain/plans.js';
import { closeOrg, openOrg, type OrgEffects } from './kernel.js';
import type { KernelRules } from './state.js';

/** One org under its lock, brought up to date, as a money-moving use case sees it. */
export interface LockedOrg {
  readonly tx: Db;
  readonly org: OrgRow;
  readonly contract: ContractTerms | null;
  readonly subscription: SubscriptionRow;
  readonly settings: OrgSettingsRow;
  readonly terms: Terms;
  readonly book: LedgerBook;
}

export interface LedgerWork<T> {
  readonly book: LedgerBook;
  readonly result: T;
  /** The subscription as the work left it, when it changed it (it is saved with the other effects). */
  readonly subscription?: SubscriptionRow;
}

export type LedgerWorkFunction<T> = (locked: LockedOrg) => Promise<LedgerWork<T>> | LedgerWork<T>;

/**
 * The shape of the money-moving use cases that write rows of their own (a purchase, a settings
 * change, a provider event): the same lock, load, kernel maintenance and effects as a cycle, for one
 * org, inside the caller's transaction, with `work` in the middle computing the new book with
 * domain/ functions. Returns the effects so the caller can run their follow-ups after the commit.
 */
export async function inOrgLedger<T>(tx: Db, rules: KernelRules, now: Date, orgId: string, work: LedgerWorkFunction<T>): Promise<{ result: T; effects: OrgEffects[] }> {
  const loaded = (await lockAndLoad(tx, [orgId], [], now)).get(orgId);
  if (!loaded) throw new Failure('ORG_NOT_FOUND', `There is no organization ${orgId}.`);
  const open = openOrg(loaded, rules);
  const outcome = await work({ tx, org: open.org, contract: open.contract, subscription: open.subscription, settings: open.settings, terms: open.terms, book: open.maintained });
  const effects = closeOrg(open, outcome.book, rules, { subscription: outcome.subscription });
  await writeEffects(tx, [effects], now);
  return { result: outcome.result, effects: [effects] };
}
