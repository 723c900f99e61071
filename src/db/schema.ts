import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Kysely's view of the tables created by migrations/. Every org-owned table keys on org_id first. */
export interface Database {
  orgs: OrgsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  subscriptions: SubscriptionsTable;
  org_settings: OrgSettingsTable;
  org_balances: OrgBalancesTable;
  grants: GrantsTable;
  holds: HoldsTable;
  ledger_entries: LedgerEntriesTable;
  usage_records: UsageRecordsTable;
  test_clock: TestClockTable;
}

type Json<T> = ColumnType<T, string, string>;

export interface BillingAddress {
  country: string;
  region?: string | undefined;
  postal_code?: string | undefined;
  line1?: string | undefined;
  city?: string | undefined;
}

export interface OrgsTable {
  org_id: string;
  name: string;
  billing_address: Json<BillingAddress>;
  vat_id: string | null;
  created_at: Date;
}

export interface UsersTable {
  user_id: string;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: Date;
}

export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: Date;
}

export interface SessionsTable {
  session_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: Date;
  expires_at: Date;
}

export interface ApiKeysTable {
  key_id: string;
  key_hash: string;
  name: string;
  created_at: Date;
  revoked_at: Date | null;
}

export const SUBSCRIPTION_STATUSES = ['active', 'past_due', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export interface SubscriptionsTable {
  org_id: string;
  plan_id: string;
  status: SubscriptionStatus;
  anchor_at: Date;
  period_unit: 'month' | 'year';
  period_index: number;
  current_period_start: Date;
  current_period_end: Date;
  cancel_at_period_end: boolean;
  scheduled_plan_id: string | null;
  updated_at: Date;
}

export interface OrgSettingsTable {
  org_id: string;
  disabled_modules: string[];
  on_demand_enabled: boolean;
  monthly_limit_credits: number;
  low_balance_threshold: number | null;
  notification_emails: string[];
  updated_at: Date;
}

export interface OrgBalancesTable {
  org_id: string;
  plan_credits: number;
  purchased_credits: number;
  promotional_credits: number;
  held_credits: number;
  overage_used_credits: number;
  overage_period_start: Date;
  updated_at: Date;
}

export interface GrantsTable {
  org_id: string;
  grant_id: string;
  bucket: 'plan' | 'purchased' | 'promotional';
  reason: string;
  granted_credits: number;
  remaining_credits: number;
  expires_at: Date | null;
  period_start: Date | null;
  note: string | null;
  created_at: Date;
}

export const HOLD_STATUSES = ['active', 'settled', 'released', 'expired'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

export interface HoldsTable {
  org_id: string;
  hold_id: string;
  credits: number;
  status: HoldStatus;
  user_id: string;
  feature: string;
  action: string;
  created_at: Date;
  expires_at: Date;
  closed_at: Date | null;
}

export interface LedgerEntriesTable {
  org_id: string;
  entry_id: Generated<number>;
  created_at: Date;
  kind: string;
  reason: string;
  account: string;
  credits: number;
  grant_id: string | null;
  hold_id: string | null;
  usage_id: string | null;
  period_start: Date | null;
  limit_credits: number | null;
  note: string | null;
}

export interface UsageRecordsTable {
  org_id: string;
  usage_id: string;
  idempotency_key: string;
  request_hash: string;
  hold_id: string | null;
  user_id: string;
  user_name: string | null;
  feature: string;
  action: string;
  tokens: number;
  credits: number;
  charged_credits: number;
  uncollected_credits: number;
  occurred_at: Date;
  recorded_at: Date;
  response: string;
}

export interface TestClockTable {
  id: Generated<boolean>;
  now: Date;
}

export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type OrgSettingsRow = Selectable<OrgSettingsTable>;
export type OrgRow = Selectable<OrgsTable>;
export type UsageRow = Selectable<UsageRecordsTable>;
export type NewLedgerEntry = Insertable<LedgerEntriesTable>;
