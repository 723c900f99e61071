import { updateSettings, type SettingsChange } from '../db/orgs.js';
import type { OrgSettingsRow } from '../db/schema.js';
import { findPlan } from '../domain/plans.js';
import { lowBalanceThreshold } from '../domain/crossings.js';
import { termsOf } from '../ledger/rollover.js';
import { Failure, invalidFields } from '../domain/failures.js';
import { findDefaultPaymentMethod } from '../db/payment-methods.js';
import { loadOrgTerms } from './org-terms.js';
import type { BillingDeps } from './deps.js';
import { withOrgLedger } from './org-ledger.js';
import { recordAudit } from '../audit/record-audit.js';

/**
 * Settings change under the org's ledger lock, so a charge in flight sees either the old or the new
 * on-demand rules, never a mix.
 */
async function changeSettings(
  deps: BillingDeps,
  orgId: string,
  area: 'ai-features' | 'on-demand' | 'notifications' | 'auto-recharge',
  change: (settings: OrgSettingsRow, planFeatures: readonly string[]) => SettingsChange,
  check?: (updated: OrgSettingsRow, planId: string) => Promise<void>,
) {
  return withOrgLedger(deps, orgId, async ({ tx, book, settings, subscription, contract }) => {
    const plan = findPlan(deps.catalog, subscription.plan_id);
    const terms = termsOf(deps.catalog, subscription.plan_id, contract);
    const delta = change(settings, plan?.features ?? []);
    const updated = await updateSettings(tx, orgId, delta, book.now);
    await check?.(updated, subscription.plan_id);
    const fields = Object.keys(delta) as (keyof OrgSettingsRow)[];
    const pick = (row: OrgSettingsRow) => Object.fromEntries(fields.map((field) => [field, row[field]]));
    await recordAudit(tx, { orgId, action: 'settings.updated', target: area, before: pick(settings), after: pick(updated), now: book.now });
    // As the book is loaded: an ended term has no overage (no invoice would bill it).
    const enabled = updated.on_demand_enabled && subscription.status !== 'canceled';
    const next = { ...book, overage: { ...book.overage, enabled, limitCredits: updated.monthly_limit_credits } };
    return { book: next, result: { settings: updated, includedCredits: terms.includedCredits, planFeatures: plan?.features ?? [] } };
  });
}

export interface AiFeatures {
  readonly modules: Record<string, boolean>;
}

export function aiFeaturesView(modules: readonly string[], planFeatures: readonly string[], settings: OrgSettingsRow): AiFeatures {
  return {
    modules: Object.fromEntries(modules.map((module) => [module, planFeatures.includes(module) && !settings.disabled_modules.includes(module)])),
  };
}

export async function setAiFeatures(deps: BillingDeps, orgId: string, modules: Record<string, boolean>): Promise<AiFeatures> {
  const unknown = Object.keys(modules).filter((module) => !deps.catalog.modules.includes(module));
  if (unknown.length > 0) throw invalidFields(Object.fromEntries(unknown.map((module) => [`modules.${module}`, ['is not an AI module']])));
  const { settings, planFeatures } = await changeSettings(deps, orgId, 'ai-features', (current, features) => {
    const offPlan = Object.entries(modules).filter(([module, on]) => on && !features.includes(module));
    if (offPlan.length > 0) {
      throw invalidFields(Object.fromEntries(offPlan.map(([module]) => [`modules.${module}`, ["is not part of the org's plan"]])));
    }
    const disabled = new Set(current.disabled_modules);
    for (const [module, on] of Object.entries(modules)) {
      if (on) disabled.delete(module);
      else disabled.add(module);
    }
    return { disabled_modules: [...disabled].sort() };
  });
  return aiFeaturesView(deps.catalog.modules, planFeatures, settings);
}

export interface OnDemand {
  readonly enabled: boolean;
  readonly monthly_limit_credits: number;
}

export async function setOnDemand(deps: BillingDeps, orgId: string, change: Partial<OnDemand>): Promise<OnDemand> {
  const { settings } = await changeSettings(deps, orgId, 'on-demand', () => ({
    ...(change.enabled !== undefined ? { on_demand_enabled: change.enabled } : {}),
    ...(change.monthly_limit_credits !== undefined ? { monthly_limit_credits: change.monthly_limit_credits } : {}),
  }));
  return { enabled: settings.on_demand_enabled, monthly_limit_credits: settings.monthly_limit_credits };
}

export interface NotificationSettings {
  readonly low_balance_threshold: number;
  readonly emails: string[];
}

/** `includedCredits`: of the terms the org is billed on (its plan, or its contract's). */
export function notificationSettingsView(settings: OrgSettingsRow, includedCredits: number): NotificationSettings {
  return {
    low_balance_threshold: lowBalanceThreshold({ setting: settings.low_balance_threshold, includedCredits }),
    emails: settings.notification_emails,
  };
}

/** A threshold of null goes back to the default (10% of the plan's included credits). */
export async function setNotificationSettings(
  deps: BillingDeps,
  orgId: string,
  change: { low_balance_threshold?: number | null | undefined; emails?: readonly string[] | undefined },
): Promise<NotificationSettings> {
  const { settings, includedCredits } = await changeSettings(deps, orgId, 'notifications', () => ({
    ...(change.low_balance_threshold !== undefined ? { low_balance_threshold: change.low_balance_threshold } : {}),
    ...(change.emails !== undefined ? { notification_emails: [...new Set(change.emails.map((email) => email.toLowerCase()))] } : {}),
  }));
  return notificationSettingsView(settings, includedCredits);
}

export interface AutoRechargeSettings {
  readonly enabled: boolean;
  readonly threshold_credits: number | null;
  readonly amount_credits: number | null;
  readonly paused: boolean;
  readonly paused_at: string | null;
}

export function autoRechargeView(settings: OrgSettingsRow): AutoRechargeSettings {
  return {
    enabled: settings.auto_recharge_enabled,
    threshold_credits: settings.auto_recharge_threshold_credits,
    amount_credits: settings.auto_recharge_amount_credits,
    paused: settings.auto_recharge_paused_at !== null,
    paused_at: settings.auto_recharge_paused_at?.toISOString() ?? null,
  };
}

/**
 * "When available credits fall below T, buy N credits with the default card." N must be within the
 * purchase limits, and turning it on needs a default card. Saving it (again) with enabled = true
 * lifts a pause left by a declined charge.
 */
export async function setAutoRecharge(
  deps: BillingDeps,
  orgId: string,
  change: { enabled: boolean; threshold_credits?: number | undefined; amount_credits?: number | undefined },
): Promise<AutoRechargeSettings> {
  const { settings } = await changeSettings(deps, orgId, 'auto-recharge', (current, _features) => {
    const threshold = change.threshold_credits ?? current.auto_recharge_threshold_credits;
    const amount = change.amount_credits ?? current.auto_recharge_amount_credits;
    return { auto_recharge_enabled: change.enabled, auto_recharge_threshold_credits: threshold, auto_recharge_amount_credits: amount, auto_recharge_paused_at: null };
  }, async (updated) => {
    if (!updated.auto_recharge_enabled) return;
    const { terms } = await loadOrgTerms(deps, orgId);
    const errors: Record<string, string[]> = {};
    if (updated.auto_recharge_threshold_credits === null) errors.threshold_credits = ['is required to turn auto-recharge on'];
    const amount = updated.auto_recharge_amount_credits;
    if (amount === null || amount < terms.purchaseMinCredits || amount > terms.purchaseMaxCredits) {
      errors.amount_credits = [`must be from ${terms.purchaseMinCredits.toLocaleString('en-US')} to ${terms.purchaseMaxCredits.toLocaleString('en-US')} credits`];
    }
    if (Object.keys(errors).length > 0) throw invalidFields(errors);
    if (!(await findDefaultPaymentMethod(deps.db, orgId))) throw new Failure('NO_PAYMENT_METHOD', 'Add a card in Billing > Payment Methods before turning on auto-recharge.');
  });
  return autoRechargeView(settings);
}
