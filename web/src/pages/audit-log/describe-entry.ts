import { cardLabel } from '../../cards.js';
import { formatCredits, formatMoney } from '../../format.js';
import { moduleLabel } from '../ai-credits/labels.js';
import type { AuditEntry } from '../../types.js';

/**
 * An audit entry in words: who did it, what they did (one sentence), and for a change of settings
 * each value that changed, "Label: before → after". Field names and action codes never reach the
 * screen; an action this version does not know yet still reads as words.
 */
export interface EntryWords {
  readonly who: string;
  readonly what: string;
  readonly changes: readonly string[];
}

type Values = Record<string, unknown>;

/** The names the page knows, for plans and people named by id in an entry. */
export interface Names {
  plan(id: string): string;
  person(userId: string): string | null;
}

const SETTINGS_AREAS: Record<string, string> = {
  'on-demand': 'Changed on-demand usage',
  'ai-features': 'Changed which AI features are on',
  notifications: 'Changed the low-balance alerts',
  'auto-recharge': 'Changed auto-recharge',
};

const EXPORTS: Record<string, string> = {
  org: 'Downloaded all of the organization’s data',
  usage: 'Downloaded the usage history as a spreadsheet (CSV)',
  audit_log: 'Downloaded the audit log as a spreadsheet (CSV)',
};

const credits = (value: unknown) => (typeof value === 'number' ? `${formatCredits(value)} credits` : 'no limit');
const onOff = (value: unknown) => (value ? 'on' : 'off');
const list = (value: unknown, empty: string, label: (item: string) => string = (item) => item) =>
  Array.isArray(value) && value.length > 0 ? value.map((item) => label(String(item))).join(', ') : empty;
const money = (value: unknown) => (typeof value === 'number' ? formatMoney(value) : 'the plan’s price');

/** How each setting reads: its label and how to say a value. */
const FIELDS: Record<string, { label: string; say(value: unknown): string }> = {
  on_demand_enabled: { label: 'On-demand usage', say: onOff },
  monthly_limit_credits: { label: 'On-demand monthly limit', say: (value) => (value === 0 ? 'no limit' : credits(value)) },
  low_balance_threshold: { label: 'Low-balance alert', say: (value) => (typeof value === 'number' ? `below ${credits(value)}` : 'off') },
  notification_emails: { label: 'Alert e-mail addresses', say: (value) => list(value, 'the admins only') },
  disabled_modules: { label: 'AI features switched off', say: (value) => list(value, 'none', moduleLabel) },
  auto_recharge_enabled: { label: 'Auto-recharge', say: onOff },
  auto_recharge_threshold_credits: { label: 'Auto-recharge when below', say: credits },
  auto_recharge_amount_credits: { label: 'Credits bought by each auto-recharge', say: credits },
  default_monthly_credits: { label: 'Default monthly limit per member', say: credits },
  base_price_cents: { label: 'Base price', say: money },
  included_credits: { label: 'Credits included each period', say: credits },
  included_users: { label: 'Users included', say: (value) => (typeof value === 'number' ? String(value) : 'the plan’s number') },
  period_unit: { label: 'Billing period', say: (value) => (value === 'year' ? 'yearly' : value === 'month' ? 'monthly' : 'the plan’s period') },
  credit_price_cents: { label: 'Price per credit', say: (value) => (typeof value === 'number' ? `${formatMoney(value)} per credit` : 'the plan’s price') },
  overage_price_cents: { label: 'On-demand price per credit', say: (value) => (typeof value === 'number' ? `${formatMoney(value)} per credit` : 'the plan’s price') },
  purchase_min_credits: { label: 'Smallest purchase', say: credits },
  purchase_max_credits: { label: 'Largest purchase', say: credits },
};

/** "auto_recharge_paused_at" → "Auto recharge paused at": for a field this version has no words for. */
const fallbackLabel = (field: string) => field.charAt(0).toUpperCase() + field.slice(1).replace(/_/g, ' ');
const sayPlain = (value: unknown) => (value === null || value === undefined ? 'none' : typeof value === 'object' ? JSON.stringify(value) : String(value));

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Each field whose value differs between before and after, as "Label: before → after". */
export function describeChanges(before: Values, after: Values, names: Names): string[] {
  const changes: string[] = [];
  for (const field of [...new Set([...Object.keys(before), ...Object.keys(after)])]) {
    if (field === 'overrides') {
      changes.push(...describeOverrides((before.overrides ?? {}) as Values, (after.overrides ?? {}) as Values, names));
      continue;
    }
    if (same(before[field], after[field])) continue;
    const known = FIELDS[field];
    const say = known?.say ?? sayPlain;
    changes.push(`${known?.label ?? fallbackLabel(field)}: ${say(before[field])} → ${say(after[field])}`);
  }
  return changes;
}

/** Per-member limits: "Limit for Ana: the default → 500 credits". */
function describeOverrides(before: Values, after: Values, names: Names): string[] {
  const say = (overrides: Values, userId: string) => (userId in overrides ? credits(overrides[userId]) : 'the default');
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((userId) => !same(before[userId], after[userId]) || userId in before !== userId in after)
    .map((userId) => `Limit for ${names.person(userId) ?? userId}: ${say(before, userId)} → ${say(after, userId)}`);
}

const card = (values: Values) => cardLabel({ brand: String(values.brand ?? ''), last4: String(values.last4 ?? '') });
const role = (value: unknown) => (value === 'admin' ? 'an admin' : 'a member');
const person = (values: Values) => String(values.name ?? values.email ?? 'someone');

/** Who made the change, as the page says it. */
export function describeActor(actor: AuditEntry['actor']): string {
  if (actor.kind === 'user') return actor.name ?? 'A person who has since left';
  if (actor.kind === 'api_key') return `${actor.name ?? 'The host app'} (API key)`;
  return 'Loupe Factory (automatic)';
}

/** The entry's sentence, for every action the server records (src/audit/record-audit.ts). */
export function describeAction(entry: AuditEntry, names: Names): string {
  const before = (entry.before ?? {}) as Values;
  const after = (entry.after ?? {}) as Values;
  switch (entry.action) {
    case 'settings.updated':
      return SETTINGS_AREAS[entry.target ?? ''] ?? 'Changed the settings';
    case 'user_limits.updated':
      return 'Changed the member limits';
    case 'purchase.created':
      return `Bought ${credits(after.credits)} for ${money(after.total_cents)}${after.auto_recharge ? ' (auto-recharge)' : ''}`;
    case 'purchase.refunded':
      return `Refunded ${credits(after.credits)} of a credit purchase (${money(after.total_cents)})${after.reason ? `: “${String(after.reason)}”` : ''}`;
    case 'purchase.disputed':
      if (after.status === 'won') return `Won the card dispute of a credit purchase: ${credits(after.frozen_credits)} are usable again`;
      if (after.status === 'lost') return `Lost the card dispute of a credit purchase: ${credits(after.frozen_credits)} were taken back and the bank returned ${money(after.total_cents)} to the cardholder`;
      return `The cardholder disputed a credit purchase of ${money(after.amount_cents)}: ${credits(after.frozen_credits)} are frozen until it is decided`;
    case 'subscription.change_requested':
      if (typeof after.scheduled_plan === 'string' && after.scheduled_plan !== after.plan) return `Scheduled a change to the ${names.plan(after.scheduled_plan)} plan at the end of the billing period`;
      if (typeof after.plan === 'string' && after.plan !== before.plan) return `Changed the plan from ${names.plan(String(before.plan))} to ${names.plan(after.plan)}`;
      return 'Kept the current plan (a scheduled change was undone)';
    case 'subscription.cancel_requested':
      return 'Cancelled the subscription at the end of the billing period';
    case 'subscription.resume_requested':
      return 'Kept the subscription (the cancellation was undone)';
    case 'payment_method.added':
      return `Added the card ${card(after)}${after.default ? ' as the default' : ''}`;
    case 'payment_method.removed':
      return `Removed the card ${card(before)}`;
    case 'payment_method.made_default':
      return `Made ${card(after)} the default card`;
    case 'invoice.pay_requested':
      return `Asked to pay invoice ${String(after.number ?? '')} (${money(after.total_cents)}) now`;
    case 'member.added':
      return `Added ${person(after)} as ${role(after.role)}`;
    case 'member.removed':
      return `Removed ${person(before)} from the organization`;
    case 'member.role_changed':
      return `Made ${person(after)} ${role(after.role)}`;
    case 'invitation.created':
      return `Invited ${String(after.email ?? 'someone')} as ${role(after.role)}`;
    case 'invitation.accepted':
      return `Accepted the invitation and joined as ${role(after.role)}`;
    case 'invitation.revoked':
      return `Withdrew the invitation to ${String(before.email ?? 'someone')}`;
    case 'contract.set':
      return 'Set the contract terms';
    case 'grant.added': {
      const amount = typeof after.credits === 'number' ? after.credits : 0;
      const reason = after.reason ? `: “${String(after.reason)}”` : '';
      if (after.source === 'promotional') return `Granted ${credits(amount)} of promotional credit${reason}`;
      return amount < 0 ? `Took back ${credits(-amount)} as an adjustment${reason}` : `Added ${credits(amount)} as an adjustment${reason}`;
    }
    case 'webhook_endpoint.added':
      return `Added the webhook endpoint ${String(after.url ?? '')}`;
    case 'webhook_endpoint.removed':
      return `Removed the webhook endpoint ${String(before.url ?? '')}`;
    case 'sign_in.succeeded':
      return 'Signed in';
    case 'sign_in.failed':
      return 'Tried to sign in with a wrong password';
    case 'export.downloaded':
      return `${EXPORTS[entry.target ?? ''] ?? 'Downloaded an export'}${entry.target === 'org' && after.format === 'zip' ? ' as a zip file' : ''}`;
    default:
      return fallbackLabel(entry.action.replace('.', ' '));
  }
}

/** The entry in words: the changes are listed for settings, member limits and contracts. */
export function describeEntry(entry: AuditEntry, names: Names): EntryWords {
  const listsChanges = ['settings.updated', 'user_limits.updated', 'contract.set'].includes(entry.action);
  return {
    who: describeActor(entry.actor),
    what: describeAction(entry, names),
    changes: listsChanges ? describeChanges((entry.before ?? {}) as Values, (entry.after ?? {}) as Values, names) : [],
  };
}

/** The kinds of change the page filters by: the action's area, as the API's `action` filter takes it. */
export const AUDIT_AREAS: readonly { readonly value: string; readonly label: string }[] = [
  { value: 'settings', label: 'Settings' },
  { value: 'user_limits', label: 'Member limits' },
  { value: 'purchase', label: 'Credit purchases' },
  { value: 'subscription', label: 'Plan and subscription' },
  { value: 'payment_method', label: 'Cards' },
  { value: 'invoice', label: 'Invoices' },
  { value: 'member', label: 'Members and roles' },
  { value: 'invitation', label: 'Invitations' },
  { value: 'grant', label: 'Credit grants' },
  { value: 'contract', label: 'Contract' },
  { value: 'webhook_endpoint', label: 'Webhook endpoints' },
  { value: 'sign_in', label: 'Sign-ins' },
  { value: 'export', label: 'Exports' },
];
