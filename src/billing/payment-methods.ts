import type { Db } from '../db/database.js';
import { findPaymentMethod, insertPaymentMethod, latestFailedCharges, listPaymentMethods, lockPaymentMethods, removePaymentMethod as markRemoved, setDefaultPaymentMethod } from '../db/payment-methods.js';
import { retryOpenInvoicesNow } from '../db/invoices.js';
import { Failure, invalidFields } from '../domain/failures.js';
import { paymentFailedDescription } from '../domain/payment-failures.js';
import { CardRejected, type PaymentMethodInput } from '../providers/payments.js';
import type { BillingDeps } from './deps.js';
import { newId } from '../domain/ids.js';
import { recordAudit } from '../audit/record-audit.js';
import { ensureCustomer } from './provider-customer.js';
import { collectDueInvoices } from './collect-invoice.js';


export interface PaymentMethodView {
  readonly id: string;
  readonly brand: string;
  readonly last4: string;
  readonly exp_month: number;
  readonly exp_year: number;
  readonly default: boolean;
  /** The card's latest charge failed: when, and why in words. Null when it went through (or was never charged). */
  readonly last_charge_failed: { readonly at: string; readonly reason: string } | null;
}

function view(
  row: { payment_method_id: string; brand: string; last4: string; exp_month: number; exp_year: number; is_default: boolean },
  failed: { at: Date; failureCode: string | null } | undefined = undefined,
): PaymentMethodView {
  return {
    id: row.payment_method_id,
    brand: row.brand,
    last4: row.last4,
    exp_month: row.exp_month,
    exp_year: row.exp_year,
    default: row.is_default,
    last_charge_failed: failed ? { at: failed.at.toISOString(), reason: paymentFailedDescription(failed.failureCode) } : null,
  };
}

export async function listOrgPaymentMethods(db: Db, orgId: string): Promise<PaymentMethodView[]> {
  const [methods, failures] = await Promise.all([listPaymentMethods(db, orgId), latestFailedCharges(db, orgId)]);
  return methods.map((method) => view(method, failures.get(method.payment_method_id)));
}

/**
 * Saves a card with the provider (only brand, last 4 and expiry are kept). The first card becomes
 * the default, and a new default collects the open invoices at once (after the commit).
 */
export async function addPaymentMethod(deps: BillingDeps, input: { orgId: string; method: PaymentMethodInput }): Promise<PaymentMethodView> {
  const customerId = await ensureCustomer(deps, input.orgId);
  const saved = await deps.provider.savePaymentMethod({ customerId, method: input.method }).catch((error: unknown) => {
    if (error instanceof CardRejected) {
      if (error.code === 'card_declined') throw new Failure('PAYMENT_DECLINED', error.message);
      throw new Failure('CARD_INVALID', error.message, { [error.field]: [error.message] });
    }
    throw error;
  });
  const paymentMethodId = newId('pm');
  const added = await deps.db.transaction().execute(async (tx) => {
    await lockPaymentMethods(tx, input.orgId);
    const existing = await listPaymentMethods(tx, input.orgId);
    const isDefault = !existing.some((method) => method.is_default);
    const now = deps.clock.now();
    await insertPaymentMethod(tx, {
      orgId: input.orgId,
      paymentMethodId,
      provider: deps.provider.name,
      providerRef: saved.providerRef,
      brand: saved.brand,
      last4: saved.last4,
      expMonth: saved.expMonth,
      expYear: saved.expYear,
      isDefault,
      now,
    });
    if (isDefault) await retryOpenInvoicesNow(tx, input.orgId, now);
    await recordAudit(tx, { orgId: input.orgId, action: 'payment_method.added', target: paymentMethodId, after: { brand: saved.brand, last4: saved.last4, exp_month: saved.expMonth, exp_year: saved.expYear, default: isDefault }, now });
    return { id: paymentMethodId, brand: saved.brand, last4: saved.last4, exp_month: saved.expMonth, exp_year: saved.expYear, default: isDefault, last_charge_failed: null } satisfies PaymentMethodView;
  });
  if (added.default) await collectDueInvoices(deps, input.orgId);
  return added;
}

export async function makeDefaultPaymentMethod(deps: BillingDeps, input: { orgId: string; paymentMethodId: string }): Promise<PaymentMethodView> {
  const made = await deps.db.transaction().execute(async (tx) => {
    await lockPaymentMethods(tx, input.orgId);
    const method = await findPaymentMethod(tx, input.orgId, input.paymentMethodId);
    if (!method) throw new Failure('PAYMENT_METHOD_NOT_FOUND');
    await setDefaultPaymentMethod(tx, input.orgId, input.paymentMethodId);
    await retryOpenInvoicesNow(tx, input.orgId, deps.clock.now());
    await recordAudit(tx, { orgId: input.orgId, action: 'payment_method.made_default', target: method.payment_method_id, after: { brand: method.brand, last4: method.last4 }, now: deps.clock.now() });
    return view({ ...method, is_default: true }, (await latestFailedCharges(tx, input.orgId)).get(method.payment_method_id));
  });
  await collectDueInvoices(deps, input.orgId);
  return made;
}

/**
 * Removes a card; when it was the default, the most recently added other card takes its place.
 * Simultaneous removals are serialised, so the last card standing is always the default.
 */
export async function deletePaymentMethod(deps: BillingDeps, input: { orgId: string; paymentMethodId: string }): Promise<void> {
  const method = await findPaymentMethod(deps.db, input.orgId, input.paymentMethodId);
  if (!method) throw new Failure('PAYMENT_METHOD_NOT_FOUND');
  await deps.provider.removePaymentMethod(method.provider_ref);
  await deps.db.transaction().execute(async (tx) => {
    await lockPaymentMethods(tx, input.orgId);
    // Read again under the lock: a simultaneous call may have removed it or moved the default.
    const current = await findPaymentMethod(tx, input.orgId, input.paymentMethodId);
    if (!current) throw new Failure('PAYMENT_METHOD_NOT_FOUND');
    await markRemoved(tx, input.orgId, input.paymentMethodId, deps.clock.now());
    await recordAudit(tx, { orgId: input.orgId, action: 'payment_method.removed', target: input.paymentMethodId, before: { brand: current.brand, last4: current.last4, default: current.is_default }, now: deps.clock.now() });
    if (!current.is_default) return;
    const successor = (await listPaymentMethods(tx, input.orgId)).at(-1);
    if (successor) await setDefaultPaymentMethod(tx, input.orgId, successor.payment_method_id);
  });
}

/** The card to charge: the one named, or the org's default. */
export async function cardToCharge(db: Db, orgId: string, paymentMethodId: string | undefined) {
  if (paymentMethodId !== undefined) {
    const method = await findPaymentMethod(db, orgId, paymentMethodId);
    if (!method) throw invalidFields({ payment_method_id: [`there is no payment method ${paymentMethodId} in this organization`] });
    return method;
  }
  const methods = await listPaymentMethods(db, orgId);
  const chosen = methods.find((method) => method.is_default);
  if (!chosen) throw new Failure('NO_PAYMENT_METHOD', 'Add a card in Billing > Payment Methods before buying credits.');
  return chosen;
}
