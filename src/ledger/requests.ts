import type { HoldStatus } from '../db/schema.js';
import { availableCredits, chargeUsage, closeHold, displayAvailable, isHoldActive, placeHold, reservationDenial, type LedgerBook, type SourceCredits } from '../domain/ledger.js';
import { Failure, invalidFields } from '../domain/failures.js';
import { findPlan } from '../domain/plans.js';
import type { KernelRules, WorkingOrg } from './state.js';

/**
 * The requests a ledger cycle applies, and how each one changes its org's working state. Pure: the
 * state is the cycle's own, and a request that fails throws its Failure before changing anything,
 * so it fails alone.
 */
export type LedgerRequest = AuthorizeRequest | RecordRequest | ReleaseRequest | MaintainRequest;

export interface AuthorizeRequest {
  readonly kind: 'authorize';
  readonly orgId: string;
  readonly userId: string;
  readonly feature: string;
  readonly action: string;
  /** Credits to reserve (the estimate's, or 1 without one). */
  readonly credits: number;
}

export interface RecordRequest {
  readonly kind: 'record';
  readonly orgId: string;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly holdId?: string | undefined;
  readonly userId: string;
  readonly userName?: string | undefined;
  readonly feature: string;
  readonly action: string;
  readonly tokens: number;
  readonly credits: number;
  readonly occurredAt?: Date | undefined;
}

export interface ReleaseRequest {
  readonly kind: 'release';
  readonly orgId: string;
  readonly holdId: string;
}

/** Only brings the org up to date (rollovers, expiries): the maintenance job and the balance read. */
export interface MaintainRequest {
  readonly kind: 'maintain';
  readonly orgId: string;
}

export const DENIAL_REASONS = ['FEATURE_DISABLED', 'SUBSCRIPTION_INACTIVE', 'CREDITS_EXHAUSTED', 'OVERAGE_LIMIT_REACHED', 'USER_LIMIT_REACHED'] as const;
export type AuthorizeDenial = (typeof DENIAL_REASONS)[number];

export type AuthorizeResult =
  | { allowed: true; hold_id: string; held_credits: number; expires_at: string; available: number | null }
  | { allowed: false; reason: AuthorizeDenial; available: number | null };

/** 201 for a new usage; 200 with the first answer, byte for byte, for a replay of its key. */
export interface RecordUsageResult {
  readonly replayed: boolean;
  readonly body: string;
}

export interface UsageCharge {
  readonly id: string;
  readonly credits: number;
  readonly charged: number;
  readonly uncollected: number;
  readonly sources: readonly SourceCredits[];
  readonly available: number | null;
}

export interface ReleaseResult {
  readonly hold_id: string;
  readonly status: HoldStatus;
  readonly released_credits: number;
  readonly available: number | null;
}

export type RequestResult<R extends LedgerRequest> = R extends AuthorizeRequest
  ? AuthorizeResult
  : R extends RecordRequest
    ? RecordUsageResult
    : R extends ReleaseRequest
      ? ReleaseResult
      : undefined;

/** How far ahead of the service's clock a reported usage time may be (clock skew). */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export function applyRequest(org: WorkingOrg, request: LedgerRequest, rules: KernelRules): unknown {
  switch (request.kind) {
    case 'authorize':
      return authorize(org, request, rules);
    case 'record':
      return record(org, request, rules);
    case 'release':
      return release(org, request);
    case 'maintain':
      return undefined;
  }
}

/**
 * "May this org run this AI action?" Checks, in order: the subscription is active, the module is on
 * the plan and enabled, and the credits can be reserved; when allowed, a hold reserves them.
 */
function authorize(org: WorkingOrg, request: AuthorizeRequest, rules: KernelRules): AuthorizeResult {
  const { book } = org;
  const { subscription, settings } = org.open;
  const deny = (reason: AuthorizeDenial): AuthorizeResult => ({ allowed: false, reason, available: displayAvailable(availableCredits(book)) });
  if (subscription.status === 'canceled') return deny('SUBSCRIPTION_INACTIVE');
  const plan = findPlan(rules.catalog, subscription.plan_id);
  if (!plan?.features.includes(request.feature) || settings.disabled_modules.includes(request.feature)) return deny('FEATURE_DISABLED');
  if (passesMemberLimit(org, request.userId, request.credits)) return deny('USER_LIMIT_REACHED');
  const denial = reservationDenial(book, request.credits);
  if (denial) return deny(denial);
  const hold = { id: rules.newId('hold'), credits: request.credits, expiresAt: new Date(book.now.getTime() + rules.holdTtlSeconds * 1_000) };
  org.book = placeHold(book, hold);
  org.holdsById.set(hold.id, { credits: hold.credits, status: 'active' });
  org.holdUsers.set(hold.id, request.userId);
  org.newHolds.push({
    org_id: request.orgId,
    hold_id: hold.id,
    credits: hold.credits,
    status: 'active',
    user_id: request.userId,
    feature: request.feature,
    action: request.action,
    created_at: book.now,
    expires_at: hold.expiresAt,
    closed_at: null,
  });
  return { allowed: true, hold_id: hold.id, held_credits: hold.credits, expires_at: hold.expiresAt.toISOString(), available: displayAvailable(availableCredits(org.book)) };
}

/**
 * "This action used N tokens." Charges in draw-down order and keeps the usage row with its answer,
 * so a retry of the key returns the first answer and charges nothing; usage beyond the available
 * credits is kept as uncollected.
 */
function record(org: WorkingOrg, request: RecordRequest, rules: KernelRules): RecordUsageResult {
  const previous = org.usageByKey.get(request.idempotencyKey);
  if (previous) {
    if (previous.requestHash !== request.requestHash) {
      throw new Failure('IDEMPOTENCY_CONFLICT', `The idempotency key ${request.idempotencyKey} was used with a different request.`);
    }
    return { replayed: true, body: previous.response };
  }
  const now = org.book.now;
  const occurredAt = request.occurredAt ?? now;
  if (occurredAt.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) throw invalidFields({ occurred_at: ['must not be in the future'] });
  let book = org.book;
  if (request.holdId !== undefined) {
    const hold = org.holdsById.get(request.holdId);
    if (!hold) throw invalidFields({ hold_id: [`there is no hold ${request.holdId} in this organization`] });
    if (isHoldActive(book, request.holdId)) {
      book = closeHold(book, request.holdId, 'settled');
      org.holdsById.set(request.holdId, { ...hold, status: 'settled' });
    }
  }
  const usageId = rules.newId('usg');
  const charge = chargeUsage(book, { usageId, credits: request.credits });
  const answer: UsageCharge = {
    id: usageId,
    credits: request.credits,
    charged: charge.charged,
    uncollected: charge.uncollected,
    sources: charge.sources,
    available: displayAvailable(availableCredits(charge.book)),
  };
  const body = JSON.stringify(answer);
  org.book = charge.book;
  countMemberUsage(org, request);
  org.usageByKey.set(request.idempotencyKey, { requestHash: request.requestHash, response: body });
  org.usageRows.push({
    org_id: request.orgId,
    usage_id: usageId,
    idempotency_key: request.idempotencyKey,
    request_hash: request.requestHash,
    hold_id: request.holdId ?? null,
    user_id: request.userId,
    user_name: request.userName ?? null,
    feature: request.feature,
    action: request.action,
    tokens: request.tokens,
    credits: request.credits,
    charged_credits: charge.charged,
    uncollected_credits: charge.uncollected,
    occurred_at: occurredAt,
    recorded_at: now,
    response: body,
  });
  return { replayed: false, body };
}

/** Gives a hold's reserved credits back. Releasing a hold that is already closed changes nothing. */
function release(org: WorkingOrg, request: ReleaseRequest): ReleaseResult {
  const hold = org.holdsById.get(request.holdId);
  if (!hold) throw new Failure('HOLD_NOT_FOUND', `There is no hold ${request.holdId} in this organization.`);
  if (!isHoldActive(org.book, request.holdId)) {
    return { hold_id: request.holdId, status: hold.status, released_credits: 0, available: displayAvailable(availableCredits(org.book)) };
  }
  org.book = closeHold(org.book, request.holdId, 'released');
  org.holdsById.set(request.holdId, { ...hold, status: 'released' });
  return { hold_id: request.holdId, status: 'released', released_credits: hold.credits, available: displayAvailable(availableCredits(org.book)) };
}

/**
 * Would reserving `credits` take this user past their monthly limit (issue 16)? Their credits this
 * period, plus their active holds, plus these. Users without a limit (or orgs without limits) pass.
 */
function passesMemberLimit(org: WorkingOrg, userId: string, credits: number): boolean {
  const member = org.members.get(userId);
  if (!member || member.limit === null) return false;
  let held = 0;
  for (const hold of org.book.holds) if (org.holdUsers.get(hold.id) === userId) held += hold.credits;
  return member.used + held + credits > member.limit;
}

/** The share of a limit whose crossing sends the warning alert. */
const MEMBER_WARNING_PERCENT = 80;

/**
 * Usage that happened is always recorded (the org is charged as usual); the user's count goes up,
 * past the limit if need be, and crossing 80% or 100% of it sends its alert once in the period.
 */
function countMemberUsage(org: WorkingOrg, request: RecordRequest): void {
  const member = org.members.get(request.userId);
  if (!member) return;
  const before = member.used;
  member.used += request.credits;
  if (member.limit === null) return;
  const limit = member.limit;
  const crossings = [
    { kind: 'warning' as const, type: 'user_limit.warning' as const, reached: (used: number) => used * 100 >= limit * MEMBER_WARNING_PERCENT },
    { kind: 'reached' as const, type: 'user_limit.reached' as const, reached: (used: number) => used >= limit },
  ];
  for (const crossing of crossings) {
    if (member.alerts.has(crossing.kind) || crossing.reached(before) || !crossing.reached(member.used)) continue;
    member.alerts.add(crossing.kind);
    const periodStart = org.open.subscription.current_period_start;
    org.memberAlerts.push({ userId: request.userId, periodStart, kind: crossing.kind });
    org.memberEvents.push({
      type: crossing.type,
      data: {
        user_id: request.userId,
        user_name: request.userName ?? null,
        credits_this_period: member.used,
        monthly_limit_credits: limit,
        percent: crossing.kind === 'warning' ? MEMBER_WARNING_PERCENT : 100,
        period_start: periodStart.toISOString(),
      },
    });
  }
}
