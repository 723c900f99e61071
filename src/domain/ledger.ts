import { assertInvariant } from './assert.js';

/**
 * The credit ledger of one org, as pure functions over a plain snapshot ("book"): every function
 * returns a new book with the ledger entries it implies appended. The database layer loads a book
 * under the org's lock, a use case applies one or many operations, and the entries are written as
 * they are. No I/O here: the property-based tests drive exactly these functions.
 */

export const CREDIT_BUCKETS = ['plan', 'purchased', 'promotional'] as const;
export type CreditBucket = (typeof CREDIT_BUCKETS)[number];

/**
 * Where an entry's credits count: a grant bucket, the reserved credits, the period's overage, or the
 * credits of disputed purchases, frozen until the dispute closes.
 */
export const LEDGER_ACCOUNTS = [...CREDIT_BUCKETS, 'held', 'overage', 'frozen'] as const;
export type LedgerAccount = (typeof LEDGER_ACCOUNTS)[number];

export const ENTRY_KINDS = ['grant', 'usage', 'overage', 'hold', 'hold_release', 'expiry', 'adjustment', 'refund', 'dispute', 'dispute_lost'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export const ENTRY_REASONS = [
  'plan_period_grant',
  'plan_upgrade_grant',
  'promotional_grant',
  'purchase',
  'adjustment',
  'usage',
  'hold_placed',
  'hold_settled',
  'hold_released',
  'hold_expired',
  'period_ended',
  'grant_expired',
  'refund',
  'dispute_opened',
  'dispute_won',
  'dispute_lost',
] as const;
export type EntryReason = (typeof ENTRY_REASONS)[number];

export const HOLD_CLOSINGS = ['settled', 'released', 'expired'] as const;
export type HoldClosing = (typeof HOLD_CLOSINGS)[number];

export interface Grant {
  readonly id: string;
  readonly bucket: CreditBucket;
  readonly grantedCredits: number;
  readonly remainingCredits: number;
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
  /**
   * Where the grant stands in the org's creation order (stored grants: their sequence number; a
   * grant made in this book: after every grant already in it). It breaks draw-down ties, so two
   * grants made at the same instant are always drawn oldest first, never by their random ids.
   */
  readonly creationOrder: number;
  /** Why the grant was made (plan_period_grant, purchase, promotional_grant …), kept on its row. */
  readonly reason: string;
  /** Plan grants: the billing period they belong to. */
  readonly periodStart: Date | null;
  /** Why a person made it (promotional grants, adjustments, purchases). */
  readonly note: string | null;
}

export interface Hold {
  readonly id: string;
  readonly credits: number;
  readonly expiresAt: Date;
}

export interface OverageState {
  readonly enabled: boolean;
  /** 0 = no cap. */
  readonly limitCredits: number;
  readonly usedCredits: number;
  readonly periodStart: Date;
}

export interface EntryDraft {
  readonly kind: EntryKind;
  readonly reason: EntryReason;
  readonly account: LedgerAccount;
  /** Signed: what this entry adds to its account. */
  readonly credits: number;
  readonly grantId?: string;
  readonly holdId?: string;
  readonly usageId?: string;
  /** Overage entries: the period they count against and the cap in force when charged. */
  readonly periodStart?: Date;
  readonly limitCredits?: number;
  /** Why a person made this entry (adjustments, promotional grants). */
  readonly note?: string;
}

export interface LedgerBook {
  readonly now: Date;
  readonly grants: readonly Grant[];
  readonly holds: readonly Hold[];
  readonly overage: OverageState;
  readonly newGrants: readonly Grant[];
  readonly closedHolds: readonly { readonly id: string; readonly closing: HoldClosing }[];
  readonly entries: readonly EntryDraft[];
}

export function openBook(snapshot: {
  now: Date;
  grants: readonly Grant[];
  holds: readonly Hold[];
  overage: OverageState;
}): LedgerBook {
  return { ...snapshot, newGrants: [], closedHolds: [], entries: [] };
}

// ---- Reading a book ----

export function prepaidCredits(book: LedgerBook): number {
  return book.grants.reduce((sum, grant) => sum + grant.remainingCredits, 0);
}

export function bucketCredits(book: LedgerBook, bucket: CreditBucket): number {
  return book.grants.filter((grant) => grant.bucket === bucket).reduce((sum, grant) => sum + grant.remainingCredits, 0);
}

export function heldCredits(book: LedgerBook): number {
  return book.holds.reduce((sum, hold) => sum + hold.credits, 0);
}

/** Overage still allowed this period; null = unbounded (on-demand on with limit 0). */
export function overageHeadroom(overage: OverageState): number | null {
  if (!overage.enabled) return 0;
  if (overage.limitCredits === 0) return null;
  return Math.max(0, overage.limitCredits - overage.usedCredits);
}

/**
 * Credits a new request may still use: prepaid − held + overage headroom; null = unbounded.
 * It can dip below zero when holds were placed under looser settings (on-demand turned off since).
 */
export function availableCredits(book: LedgerBook): number | null {
  return availableFromTotals({ prepaidCredits: prepaidCredits(book), heldCredits: heldCredits(book), overage: book.overage });
}

/**
 * Available credits as shown to people: null means unbounded (on-demand with no cap). It is shown
 * as 0 rather than negative when holds placed under looser settings exceed what is left.
 */
export function displayAvailable(available: number | null): number | null {
  return available === null ? null : Math.max(0, available);
}

/** The same from an org's cached totals (the balance read uses them without loading the book). */
export function availableFromTotals(totals: { prepaidCredits: number; heldCredits: number; overage: OverageState }): number | null {
  const headroom = overageHeadroom(totals.overage);
  if (headroom === null) return null;
  return totals.prepaidCredits - totals.heldCredits + headroom;
}

/** SPEC §4: grants that expire soonest first, then non-expiring ones; each tie oldest first. */
export function drawDownOrder(grants: readonly Grant[]): Grant[] {
  return [...grants].sort(
    (a, b) =>
      (a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) - (b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) ||
      a.creationOrder - b.creationOrder,
  );
}

function nextCreationOrder(book: LedgerBook): number {
  return book.grants.reduce((last, grant) => Math.max(last, grant.creationOrder), 0) + 1;
}

// ---- Changing a book ----

function withEntries(book: LedgerBook, change: Partial<LedgerBook>, entries: readonly EntryDraft[]): LedgerBook {
  return { ...book, ...change, entries: [...book.entries, ...entries] };
}

export function addGrant(
  book: LedgerBook,
  grant: { id: string; bucket: CreditBucket; credits: number; expiresAt: Date | null; reason: EntryReason; note?: string; periodStart?: Date },
): LedgerBook {
  assertInvariant(Number.isSafeInteger(grant.credits) && grant.credits > 0, `a grant adds a positive whole number of credits, got ${grant.credits}`);
  const created: Grant = {
    id: grant.id,
    bucket: grant.bucket,
    grantedCredits: grant.credits,
    remainingCredits: grant.credits,
    expiresAt: grant.expiresAt,
    createdAt: book.now,
    creationOrder: nextCreationOrder(book),
    reason: grant.reason,
    periodStart: grant.periodStart ?? null,
    note: grant.note ?? null,
  };
  return withEntries(book, { grants: [...book.grants, created], newGrants: [...book.newGrants, created] }, [
    { kind: 'grant', reason: grant.reason, account: grant.bucket, credits: grant.credits, grantId: grant.id, ...(grant.note ? { note: grant.note } : {}) },
  ]);
}

export type DenialReason = 'CREDITS_EXHAUSTED' | 'OVERAGE_LIMIT_REACHED';

/** Why `credits` more cannot be reserved now, or null when they can. */
export function reservationDenial(book: LedgerBook, credits: number): DenialReason | null {
  return denialFor({ available: availableCredits(book), credits, overageEnabled: book.overage.enabled });
}

/** Why `credits` cannot be reserved from `available` (null = no cap); the balance asks it for 1 credit. */
export function denialFor(input: { available: number | null; credits: number; overageEnabled: boolean }): DenialReason | null {
  if (input.available === null || input.available >= input.credits) return null;
  return input.overageEnabled ? 'OVERAGE_LIMIT_REACHED' : 'CREDITS_EXHAUSTED';
}

export function placeHold(book: LedgerBook, hold: Hold): LedgerBook {
  assertInvariant(Number.isSafeInteger(hold.credits) && hold.credits > 0, 'a hold reserves a positive whole number of credits');
  assertInvariant(reservationDenial(book, hold.credits) === null, `hold ${hold.id} exceeds the available credits`);
  return withEntries(book, { holds: [...book.holds, hold] }, [
    { kind: 'hold', reason: 'hold_placed', account: 'held', credits: hold.credits, holdId: hold.id },
  ]);
}

const HOLD_CLOSING_REASONS = { settled: 'hold_settled', released: 'hold_released', expired: 'hold_expired' } as const;

export function closeHold(book: LedgerBook, holdId: string, closing: HoldClosing): LedgerBook {
  const hold = book.holds.find((candidate) => candidate.id === holdId);
  assertInvariant(hold !== undefined, `hold ${holdId} is not active`);
  return withEntries(
    book,
    { holds: book.holds.filter((candidate) => candidate.id !== holdId), closedHolds: [...book.closedHolds, { id: holdId, closing }] },
    [{ kind: 'hold_release', reason: HOLD_CLOSING_REASONS[closing], account: 'held', credits: -hold.credits, holdId }],
  );
}

export function isHoldActive(book: LedgerBook, holdId: string): boolean {
  return book.holds.some((hold) => hold.id === holdId);
}

export interface SourceCredits {
  readonly source: CreditBucket | 'overage';
  readonly credits: number;
}

export interface Charge {
  readonly book: LedgerBook;
  readonly charged: number;
  readonly uncollected: number;
  readonly sources: readonly SourceCredits[];
}

/** Takes `credits` from grants in draw-down order; returns the new grants and what each gave. */
function drawFromGrants(grants: readonly Grant[], credits: number): { grants: Grant[]; draws: { grant: Grant; credits: number }[] } {
  let left = credits;
  const draws: { grant: Grant; credits: number }[] = [];
  const taken = new Map<string, number>();
  for (const grant of drawDownOrder(grants)) {
    if (left === 0) break;
    const take = Math.min(left, grant.remainingCredits);
    if (take === 0) continue;
    draws.push({ grant, credits: take });
    taken.set(grant.id, take);
    left -= take;
  }
  assertInvariant(left === 0, `draw-down was ${left} credits short`);
  const next = grants.map((grant) => {
    const take = taken.get(grant.id);
    return take === undefined ? grant : { ...grant, remainingCredits: grant.remainingCredits - take };
  });
  return { grants: next, draws };
}

function sumBySource(parts: readonly SourceCredits[]): SourceCredits[] {
  const totals = new Map<SourceCredits['source'], number>();
  for (const part of parts) totals.set(part.source, (totals.get(part.source) ?? 0) + part.credits);
  return [...totals].map(([source, credits]) => ({ source, credits }));
}

/**
 * Charges the credits of one usage: what the available credits allow, from grants in draw-down order
 * and then from overage; the rest is uncollected (usage that happened is never dropped). Credits
 * reserved by other requests' holds are not taken.
 */
export function chargeUsage(book: LedgerBook, usage: { usageId: string; credits: number }): Charge {
  assertInvariant(Number.isSafeInteger(usage.credits) && usage.credits > 0, 'usage costs a positive whole number of credits');
  const available = availableCredits(book);
  const charged = available === null ? usage.credits : Math.max(0, Math.min(usage.credits, available));
  const prepaid = prepaidCredits(book);
  const fromGrants = Math.min(charged, prepaid);
  const fromOverage = charged - fromGrants;
  const { grants, draws } = drawFromGrants(book.grants, fromGrants);
  const overage = { ...book.overage, usedCredits: book.overage.usedCredits + fromOverage };
  if (fromOverage > 0) {
    assertInvariant(book.overage.enabled, 'overage charged while on-demand usage is off');
    assertInvariant(
      overage.limitCredits === 0 || overage.usedCredits <= overage.limitCredits,
      `overage ${overage.usedCredits} exceeds its limit ${overage.limitCredits}`,
    );
  }
  const entries: EntryDraft[] = draws.map(({ grant, credits }) => ({
    kind: 'usage',
    reason: 'usage',
    account: grant.bucket,
    credits: -credits,
    grantId: grant.id,
    usageId: usage.usageId,
  }));
  if (fromOverage > 0) {
    entries.push({
      kind: 'overage',
      reason: 'usage',
      account: 'overage',
      credits: fromOverage,
      usageId: usage.usageId,
      periodStart: book.overage.periodStart,
      limitCredits: book.overage.limitCredits,
    });
  }
  const sources = sumBySource([
    ...draws.map(({ grant, credits }) => ({ source: grant.bucket, credits })),
    ...(fromOverage > 0 ? [{ source: 'overage' as const, credits: fromOverage }] : []),
  ]);
  return { book: withEntries(book, { grants, overage }, entries), charged, uncollected: usage.credits - charged, sources };
}

/** A negative adjustment: takes credits from grants in draw-down order, never below zero. */
export function debitAdjustment(book: LedgerBook, credits: number, note: string): LedgerBook {
  assertInvariant(credits > 0 && credits <= prepaidCredits(book), 'an adjustment cannot take more credits than there are');
  const { grants, draws } = drawFromGrants(book.grants, credits);
  return withEntries(
    book,
    { grants },
    draws.map(({ grant, credits: taken }) => ({
      kind: 'adjustment',
      reason: 'adjustment',
      account: grant.bucket,
      credits: -taken,
      grantId: grant.id,
      note,
    })),
  );
}

/**
 * A refund: takes back up to `credits` of one grant's unused credits (a purchase's own grant), never
 * more than it has left, and says how many it took (0 when none are left). Credits a hold reserves
 * are not set aside: the hold's usage is then charged like any other (on-demand or uncollected).
 */
export function takeBackFromGrant(book: LedgerBook, input: { grantId: string; credits: number; note: string }): { book: LedgerBook; taken: number } {
  assertInvariant(Number.isSafeInteger(input.credits) && input.credits > 0, 'a refund takes back a whole, positive number of credits');
  const grant = book.grants.find((candidate) => candidate.id === input.grantId);
  const taken = Math.min(input.credits, grant?.remainingCredits ?? 0);
  if (!grant || taken === 0) return { book, taken: 0 };
  const next = withEntries(
    book,
    { grants: book.grants.map((candidate) => (candidate.id === grant.id ? { ...candidate, remainingCredits: candidate.remainingCredits - taken } : candidate)) },
    [{ kind: 'refund', reason: 'refund', account: grant.bucket, credits: -taken, grantId: grant.id, note: input.note }],
  );
  return { book: next, taken };
}

/**
 * A card dispute opens (issue 17): every unused credit of the disputed purchase's grant moves to the
 * frozen account, where no usage can reach it, and the answer says how many moved. Credits a hold
 * reserves are not set aside, as with a refund.
 */
export function freezeGrant(book: LedgerBook, grantId: string): { book: LedgerBook; frozen: number } {
  const grant = book.grants.find((candidate) => candidate.id === grantId);
  if (!grant || grant.remainingCredits === 0) return { book, frozen: 0 };
  const frozen = grant.remainingCredits;
  const next = withEntries(
    book,
    { grants: book.grants.map((candidate) => (candidate.id === grantId ? { ...candidate, remainingCredits: 0 } : candidate)) },
    [
      { kind: 'dispute', reason: 'dispute_opened', account: grant.bucket, credits: -frozen, grantId },
      { kind: 'dispute', reason: 'dispute_opened', account: 'frozen', credits: frozen, grantId },
    ],
  );
  return { book: next, frozen };
}

/**
 * A dispute is won: its frozen credits go back to the grant they came from. The grant may have been
 * left empty by the freeze, and so not be among the book's live grants: the caller passes it as stored.
 */
export function unfreezeGrant(book: LedgerBook, input: { grant: Grant; credits: number }): LedgerBook {
  assertInvariant(Number.isSafeInteger(input.credits) && input.credits >= 0, 'a dispute gives back a whole number of credits');
  if (input.credits === 0) return book;
  const live = book.grants.find((candidate) => candidate.id === input.grant.id) ?? { ...input.grant, remainingCredits: 0 };
  const restored = { ...live, remainingCredits: live.remainingCredits + input.credits };
  const others = book.grants.filter((candidate) => candidate.id !== restored.id);
  return withEntries(book, { grants: [...others, restored].sort((a, b) => a.creationOrder - b.creationOrder) }, [
    { kind: 'dispute', reason: 'dispute_won', account: 'frozen', credits: -input.credits, grantId: restored.id },
    { kind: 'dispute', reason: 'dispute_won', account: restored.bucket, credits: input.credits, grantId: restored.id },
  ]);
}

/** A dispute is lost: its frozen credits are taken away for good (the card network took the money back). */
export function loseFrozenCredits(book: LedgerBook, input: { grantId: string; credits: number }): LedgerBook {
  assertInvariant(Number.isSafeInteger(input.credits) && input.credits >= 0, 'a lost dispute takes a whole number of credits');
  if (input.credits === 0) return book;
  return withEntries(book, {}, [{ kind: 'dispute_lost', reason: 'dispute_lost', account: 'frozen', credits: -input.credits, grantId: input.grantId }]);
}

function expireGrant(book: LedgerBook, grantId: string, reason: EntryReason): LedgerBook {
  const grant = book.grants.find((candidate) => candidate.id === grantId);
  assertInvariant(grant !== undefined, `grant ${grantId} is not live`);
  if (grant.remainingCredits === 0) return book;
  return withEntries(
    book,
    { grants: book.grants.map((candidate) => (candidate.id === grantId ? { ...candidate, remainingCredits: 0 } : candidate)) },
    [{ kind: 'expiry', reason, account: grant.bucket, credits: -grant.remainingCredits, grantId }],
  );
}

/** Expires grants and holds whose time has come. */
export function expireDue(book: LedgerBook): LedgerBook {
  let next = book;
  for (const grant of book.grants) {
    if (grant.expiresAt !== null && grant.expiresAt.getTime() <= book.now.getTime() && grant.remainingCredits > 0) {
      next = expireGrant(next, grant.id, grant.bucket === 'plan' ? 'period_ended' : 'grant_expired');
    }
  }
  for (const hold of book.holds) {
    if (hold.expiresAt.getTime() <= book.now.getTime()) next = closeHold(next, hold.id, 'expired');
  }
  return next;
}

/**
 * A new billing period: unused plan credits expire, the period's included credits are granted
 * afresh (expiring at its end) and the overage counter starts again at zero.
 */
export function rollOver(
  book: LedgerBook,
  period: { start: Date; end: Date; includedCredits: number; grantId: string },
): LedgerBook {
  let next = book;
  for (const grant of book.grants) {
    if (grant.bucket === 'plan') next = expireGrant(next, grant.id, 'period_ended');
  }
  next = { ...next, overage: { ...next.overage, usedCredits: 0, periodStart: period.start } };
  if (period.includedCredits > 0) {
    next = addGrant(next, {
      id: period.grantId,
      bucket: 'plan',
      credits: period.includedCredits,
      expiresAt: period.end,
      reason: 'plan_period_grant',
      periodStart: period.start,
    });
  }
  return next;
}

/**
 * Checks the rules every book must keep. The ledger kernel runs it on each org's book before writing
 * its effects (closeOrg); the ledger audit does not use it, it checks the stored rows in SQL (db/audit.ts).
 */
export function assertBookInvariants(book: LedgerBook): void {
  for (const grant of book.grants) {
    assertInvariant(Number.isSafeInteger(grant.remainingCredits), `grant ${grant.id} has a fractional balance`);
    assertInvariant(grant.remainingCredits >= 0, `grant ${grant.id} is below zero`);
    assertInvariant(grant.remainingCredits <= grant.grantedCredits, `grant ${grant.id} holds more than it granted`);
  }
  // Draw-down ties are broken by creation order, so it must name one grant each.
  assertInvariant(new Set(book.grants.map((grant) => grant.creationOrder)).size === book.grants.length, 'two grants share a place in the creation order');
  for (const hold of book.holds) assertInvariant(hold.credits > 0, `hold ${hold.id} reserves nothing`);
  assertInvariant(book.overage.usedCredits >= 0, 'overage used is below zero');
}
