import type { Insertable } from 'kysely';
import type { ContractTerms, HoldStatus, HoldsTable, OrgRow, OrgSettingsRow, SubscriptionRow, UsageRow } from '../db/schema.js';
import type { LedgerBook } from '../domain/ledger.js';
import type { PlanCatalog, Terms } from '../domain/plans.js';
import type { PeriodClosing } from './rollover.js';

/**
 * The state a ledger cycle works on, shared by the kernel (kernel.ts) and the request rules
 * (requests.ts): an org as loaded under its lock, brought up to date, and while requests apply.
 */

/** An org as one ledger transaction finds it under its lock. */
export interface OrgState {
  readonly org: OrgRow;
  readonly subscription: SubscriptionRow;
  readonly settings: OrgSettingsRow;
  readonly contract: ContractTerms | null;
  readonly book: LedgerBook;
}

/**
 * What a cycle loads for an org besides: the answers given to its keys, the holds its requests name,
 * whose each active hold is, and the per-member limits of the users its requests name (only when
 * the org has limits: a user absent from `userLimits` has none).
 */
export interface LoadedOrg extends OrgState {
  readonly usageByKey: ReadonlyMap<string, StoredUsage>;
  readonly holdsById: ReadonlyMap<string, NamedHold>;
  readonly holdUsers: ReadonlyMap<string, string>;
  readonly userLimits: ReadonlyMap<string, MemberLimit>;
}

/** A user's monthly limit (null = none), their credits this period, and the alerts sent this period. */
export interface MemberLimit {
  readonly limit: number | null;
  readonly used: number;
  readonly alerts: ReadonlySet<'warning' | 'reached'>;
}

/** A per-member alert the cycle sends: written so that it is sent once per period. */
export interface MemberAlert {
  readonly userId: string;
  readonly periodStart: Date;
  readonly kind: 'warning' | 'reached';
}

export interface KernelRules {
  readonly catalog: PlanCatalog;
  readonly holdTtlSeconds: number;
  /** New opaque ids (hold_…, usg_…, grt_…): the only thing the kernel takes from outside. */
  readonly newId: (prefix: string) => string;
}

/** An org brought up to date under its lock (period rollovers and expiries applied), before any request. */
export interface OpenOrg extends OrgState {
  /** The book as loaded, before the maintenance. */
  readonly loaded: LedgerBook;
  /** The book after the maintenance, before the requests. */
  readonly maintained: LedgerBook;
  /** The terms the org is billed on (its plan with its contract's overrides), computed once. */
  readonly terms: Terms;
  readonly closings: readonly PeriodClosing[];
}

export type NewHoldRow = Insertable<HoldsTable>;

/** A stored answer to an idempotency key, and a hold a request names, as the cycle loaded them. */
export interface StoredUsage {
  readonly requestHash: string;
  readonly response: string;
}
export interface NamedHold {
  readonly credits: number;
  readonly status: HoldStatus;
}

/** One org's state while a cycle applies its requests. */
export interface WorkingOrg {
  readonly open: OpenOrg;
  book: LedgerBook;
  readonly usageByKey: Map<string, StoredUsage>;
  readonly holdsById: Map<string, NamedHold>;
  readonly holdUsers: Map<string, string>;
  readonly members: Map<string, { limit: number | null; used: number; alerts: Set<'warning' | 'reached'> }>;
  readonly memberAlerts: MemberAlert[];
  readonly memberEvents: { type: 'user_limit.warning' | 'user_limit.reached'; data: Record<string, unknown> }[];
  readonly newHolds: NewHoldRow[];
  readonly usageRows: UsageRow[];
}
