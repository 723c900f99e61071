/**
 * The API's answers the web app reads, read off the SDK's types generated from the server's OpenAPI
 * document: change a route schema, regenerate, and a page that reads a field that is gone fails to compile.
 */
import type { SuccessBody } from '../../sdk/src/types.js';

/** One entry of a list answer (`{ items: [...] }`). */
type Item<List extends { items: readonly unknown[] }> = List['items'][number];

export type Me = SuccessBody<'/v1/auth/me', 'get'>;
export type Config = SuccessBody<'/v1/config', 'get'>;
export type InvitationPreview = SuccessBody<'/v1/invitations/preview', 'post'>;

export type Org = SuccessBody<'/v1/orgs/{org}', 'get'>;
export type Plan = Item<SuccessBody<'/v1/plans', 'get'>>;
export type Balance = SuccessBody<'/v1/orgs/{org}/balance', 'get'>;
export type Member = Item<SuccessBody<'/v1/orgs/{org}/members', 'get'>>;

export type NotificationPage = SuccessBody<'/v1/orgs/{org}/notifications', 'get'>;

/** A saved card: never more than brand, last 4 and expiry. */
export type PaymentMethod = Item<SuccessBody<'/v1/orgs/{org}/payment-methods', 'get'>>;

export type InvoicePage = SuccessBody<'/v1/orgs/{org}/invoices', 'get'>;
export type InvoiceSummary = Item<InvoicePage>;
/** The next period invoice as it stands now: a draft, with the date it is billed. */
export type UpcomingInvoice = SuccessBody<'/v1/orgs/{org}/invoices/upcoming', 'get'>;
export type Invoice = SuccessBody<'/v1/orgs/{org}/invoices/{id}', 'get'>;
/** A refund's credit note: the credits taken back, the money paid back, and the invoice it credits. */
export type CreditNote = SuccessBody<'/v1/orgs/{org}/credit-notes/{id}', 'get'>;
export type Address = Invoice['seller'];
export type BillingHistoryPage = SuccessBody<'/v1/orgs/{org}/billing-history', 'get'>;
export type BillingHistoryEntry = Item<BillingHistoryPage>;

export type CreditQuote = SuccessBody<'/v1/orgs/{org}/credit-purchases/quote', 'get'>;
export type CreditPurchase = SuccessBody<'/v1/orgs/{org}/credit-purchases', 'post'>;

export type AiFeatures = SuccessBody<'/v1/orgs/{org}/settings/ai-features', 'get'>;
export type OnDemand = SuccessBody<'/v1/orgs/{org}/settings/on-demand', 'get'>;
export type NotificationSettings = SuccessBody<'/v1/orgs/{org}/settings/notifications', 'get'>;
export type AutoRecharge = SuccessBody<'/v1/orgs/{org}/settings/auto-recharge', 'get'>;

export type UsagePage = SuccessBody<'/v1/orgs/{org}/usage', 'get'>;
export type UsageItem = Item<UsagePage>;
export type UsageSummary = SuccessBody<'/v1/orgs/{org}/usage/summary', 'get'>;
export type UsageTrends = SuccessBody<'/v1/orgs/{org}/usage/trends', 'get'>;

/** Per-member monthly limits: a default and per-user overrides (credits per billing period; null = no limit). */
export type UserLimits = SuccessBody<'/v1/orgs/{org}/settings/user-limits', 'get'>;
/** One user's credits this period against their monthly limit (null = no limit). */
export type MemberUsage = Item<SuccessBody<'/v1/orgs/{org}/usage/users', 'get'>>;

/** The audit log, newest first: who changed what, when, from where. */
export type AuditLogPage = SuccessBody<'/v1/orgs/{org}/audit-log', 'get'>;
export type AuditEntry = Item<AuditLogPage>;
