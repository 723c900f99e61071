import type { ColumnType, Generated, Selectable } from 'kysely';

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
  contracts: ContractsTable;
  payment_methods: PaymentMethodsTable;
  invoice_counter: InvoiceCounterTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  pending_invoice_items: PendingInvoiceItemsTable;
  credit_purchases: CreditPurchasesTable;
  payments: PaymentsTable;
  provider_events: ProviderEventsTable;
  events: EventsTable;
  builtin_charges: BuiltinChargesTable;
  builtin_refunds: BuiltinRefundsTable;
  refunds: RefundsTable;
  disputes: DisputesTable;
  builtin_disputes: BuiltinDisputesTable;
  credit_note_counter: { singleton: Generated<boolean>; last_number: number };
  notifications: NotificationsTable;
  email_messages: EmailMessagesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  auto_recharges: AutoRechargesTable;
  login_failures: LoginFailuresTable;
  invitations: InvitationsTable;
  period_closings: PeriodClosingsTable;
  user_limit_overrides: UserLimitOverridesTable;
  user_limit_alerts: UserLimitAlertsTable;
  audit_events: AuditEventsTable;
  /** The platform's own changes (API keys): the same columns, org_id always null (migration 0015). */
  platform_audit_events: Omit<AuditEventsTable, 'org_id'> & { org_id: null };
}

export interface AuditEventsTable {
  org_id: string;
  audit_id: string;
  at: Date;
  seq: Generated<string>;
  actor_kind: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  user_agent: string | null;
  money: boolean;
}

export interface InvitationsTable {
  org_id: string;
  invitation_id: string;
  email: string;
  name: string;
  role: Role;
  token_hash: string;
  /** The inviting user's id, or "platform" for the platform key. */
  invited_by: string;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_user_id: string | null;
  revoked_at: Date | null;
}

export interface LoginFailuresTable {
  email: string;
  failed_at: Date;
}

export interface NotificationsTable {
  org_id: string;
  notification_id: string;
  event_id: string;
  user_id: string;
  type: string;
  title: string;
  body: string;
  created_at: Date;
  read_at: Date | null;
}

export interface EmailMessagesTable {
  org_id: string;
  message_id: string;
  event_id: string;
  to_address: string;
  subject: string;
  body: string;
  status: 'pending' | 'sent' | 'kept' | 'failed';
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Date | null;
  locked_until: Date | null;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Date;
  /** The body holds a secret for its recipient (an invitation link): admins see the subject only. */
  confidential: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface WebhookEndpointsTable {
  org_id: string;
  endpoint_id: string;
  url: string;
  events: string[];
  secret: string;
  status: 'enabled' | 'disabled';
  disabled_at: Date | null;
  created_at: Date;
  deleted_at: Date | null;
}

export interface WebhookDeliveriesTable {
  org_id: string;
  delivery_id: string;
  endpoint_id: string;
  event_id: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Date | null;
  locked_until: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  first_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
}

export interface WebhookAttemptsTable {
  org_id: string;
  delivery_id: string;
  attempt: number;
  attempted_at: Date;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface AutoRechargesTable {
  org_id: string;
  recharge_id: string;
  credits: number;
  status: 'pending' | 'succeeded' | 'failed';
  purchase_id: string | null;
  failure_code: string | null;
  locked_until: Date | null;
  created_at: Date;
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
  provider_customer_id: ColumnType<string | null, string | null | undefined, string | null>;
  purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
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
  provider_subscription_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** A change sent to the payment provider and not yet confirmed by it. */
  pending_change: ColumnType<PendingChange | null, string | null | undefined, string | null>;
  canceled_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  purge_after: ColumnType<Date | null, Date | null | undefined, Date | null>;
  last_provider_event_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface PendingChange {
  plan?: string;
  cancel_at_period_end?: boolean;
  requested_at: string;
}

export interface OrgSettingsTable {
  org_id: string;
  disabled_modules: string[];
  on_demand_enabled: boolean;
  monthly_limit_credits: number;
  low_balance_threshold: number | null;
  notification_emails: string[];
  updated_at: Date;
  auto_recharge_enabled: ColumnType<boolean, boolean | undefined, boolean>;
  auto_recharge_threshold_credits: ColumnType<number | null, number | null | undefined, number | null>;
  auto_recharge_amount_credits: ColumnType<number | null, number | null | undefined, number | null>;
  auto_recharge_paused_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Per-member monthly limit for every user without an override; null = none (migration 0013). */
  user_limit_default_credits: ColumnType<number | null, number | null | undefined, number | null>;
  /** Whether any per-member limit is set (a default or an override): the ledger cycle loads them only then. */
  user_limits_set: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface UserLimitOverridesTable {
  org_id: string;
  user_id: string;
  /** Null = no limit for this user, whatever the default. */
  monthly_credits: number | null;
  updated_at: Date;
}

export interface UserLimitAlertsTable {
  org_id: string;
  user_id: string;
  period_start: Date;
  kind: 'warning' | 'reached';
  created_at: Date;
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
  /** When the org's ledger next needs maintenance (period end, grant or hold expiry); null = never. */
  next_due_at: Date | null;
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
  /** Creation order (a sequence): breaks draw-down ties between grants made at the same instant. */
  creation_order: Generated<number>;
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

export interface ContractsTable {
  org_id: string;
  terms: Json<ContractTerms>;
  updated_at: Date;
}

/** Enterprise terms that override the plan's (SPEC §3). Every field is optional. */
export interface ContractTerms {
  base_price_cents?: number;
  included_credits?: number;
  included_users?: number;
  period_unit?: 'month' | 'year';
  credit_price_cents?: number;
  overage_price_cents?: number;
  purchase_min_credits?: number;
  purchase_max_credits?: number;
}

export interface PaymentMethodsTable {
  org_id: string;
  payment_method_id: string;
  provider: string;
  provider_ref: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  is_default: boolean;
  created_at: Date;
  removed_at: Date | null;
}

export interface InvoiceCounterTable {
  id: Generated<boolean>;
  last_number: number;
}

export interface InvoicesTable {
  org_id: string;
  invoice_id: string;
  number: number;
  kind: 'period' | 'credit_purchase';
  status: 'open' | 'paid' | 'void';
  currency: string;
  period_start: Date;
  period_end: Date;
  plan_id: string;
  plan_name: string;
  plan_base_price_cents: number;
  seller: Json<Record<string, unknown>>;
  billing_address: Json<Record<string, unknown>>;
  tax: Json<{ name: string; rate_bps: number; amount_cents: number }[]>;
  tax_note: string | null;
  subtotal_cents: number;
  tax_cents: number;
  total_cents: number;
  issued_at: Date;
  paid_at: Date | null;
  attempts: number;
  next_attempt_at: Date | null;
  last_failure_code: string | null;
  /** A canceled term's final invoice: the closed period's overage and prorations, no base cost. */
  closes_term: Generated<boolean>;
}

export interface InvoiceLinesTable {
  org_id: string;
  invoice_id: string;
  line_number: number;
  kind: 'subscription' | 'credit_purchase' | 'overage' | 'proration' | 'adjustment';
  description: string;
  quantity: number;
  unit_price_cents: number;
  amount_cents: number;
  period_start: Date | null;
}

export interface PendingInvoiceItemsTable {
  org_id: string;
  item_id: string;
  kind: 'proration' | 'adjustment';
  description: string;
  quantity: number;
  unit_price_cents: number;
  amount_cents: number;
  created_at: Date;
  invoice_id: string | null;
}

export interface CreditPurchasesTable {
  org_id: string;
  purchase_id: string;
  idempotency_key: string;
  request_hash: string;
  credits: number;
  unit_price_cents: number;
  amount_cents: number;
  tax_cents: number;
  total_cents: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  failure_code: string | null;
  payment_method_id: string | null;
  provider_payment_id: string | null;
  invoice_id: string | null;
  grant_id: string | null;
  auto_recharge: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Date;
  updated_at: Date;
}

export interface PaymentsTable {
  org_id: string;
  payment_id: string;
  invoice_id: string | null;
  purchase_id: string | null;
  provider: string;
  provider_payment_id: string | null;
  amount_cents: number;
  currency: string;
  status: 'succeeded' | 'failed';
  failure_code: string | null;
  payment_method_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Date;
}

export interface ProviderEventsTable {
  event_id: string;
  type: string;
  org_id: string | null;
  received_at: Date;
  outcome: string;
}

export interface RefundsTable {
  org_id: string;
  refund_id: string;
  /** refund: the platform paid money back; dispute_lost: the card network took it back (migration 0017). */
  kind: ColumnType<'refund' | 'dispute_lost', 'refund' | 'dispute_lost' | undefined, never>;
  purchase_id: string;
  grant_id: string;
  idempotency_key: string | null;
  request_hash: string;
  /** Why the platform admin refunded (shown on the credit note). */
  reason: string;
  credits: number;
  amount_cents: number;
  tax_cents: number;
  total_cents: number;
  currency: string;
  /** pending: the credits are taken back, the provider has not confirmed the money yet. */
  status: 'pending' | 'succeeded';
  provider_refund_id: string | null;
  credit_note_id: string | null;
  /** CN-000001…: a gapless series of its own, assigned when the provider confirms. */
  credit_note_number: number | null;
  created_at: Date;
  updated_at: Date;
}

/** A card dispute of a credit purchase (migration 0017): its unused credits stay frozen while it is open. */
export interface DisputesTable {
  org_id: string;
  dispute_id: string;
  provider_dispute_id: string;
  purchase_id: string;
  grant_id: string;
  status: 'open' | 'won' | 'lost';
  /** The credits the dispute moved to the frozen account when it opened. */
  frozen_credits: number;
  /** What the cardholder disputes (the card network takes it back if the dispute is lost). */
  amount_cents: number;
  currency: string;
  /** The provider's reason code (fraudulent, product_not_received …). */
  reason: string;
  /** A lost dispute: the refund (kind dispute_lost) recording the money taken back, with its credit note. */
  refund_id: string | null;
  opened_at: Date;
  closed_at: Date | null;
}

/** The built-in provider's disputes (test card 4000 0000 0000 0259). */
export interface BuiltinDisputesTable {
  dispute_id: string;
  charge_id: string;
  amount_cents: number;
  currency: string;
  status: 'needs_response' | 'won' | 'lost';
  created_at: Date;
  closed_at: Date | null;
}

export interface BuiltinRefundsTable {
  idempotency_key: string;
  refund_id: string;
  charge_id: string;
  amount_cents: number;
  currency: string;
  created_at: Date;
}

export interface BuiltinChargesTable {
  idempotency_key: string;
  charge_id: string;
  amount_cents: number;
  currency: string;
  status: 'succeeded' | 'failed';
  failure_code: string | null;
  created_at: Date;
}

export interface EventsTable {
  org_id: string;
  event_id: string;
  type: string;
  data: Json<Record<string, unknown>>;
  created_at: Date;
  /** Written by a ledger cycle: notifications, e-mails and webhook deliveries not made yet. */
  fan_out_pending: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface PeriodClosingsTable {
  org_id: string;
  closed_period_start: Date;
  closing: Json<Record<string, unknown>>;
  created_at: Date;
  invoiced_at: Date | null;
}

export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type OrgSettingsRow = Selectable<OrgSettingsTable>;
export type OrgRow = Selectable<OrgsTable>;
export type UsageRow = Selectable<UsageRecordsTable>;
