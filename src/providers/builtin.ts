import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import {
  builtinDisputeEventId,
  decideBuiltinDispute,
  findBuiltinCharge,
  findBuiltinChargeById,
  openBuiltinDispute,
  recordBuiltinCharge,
  recordBuiltinRefund,
  undeliveredBuiltinDisputes,
} from '../db/builtin-provider.js';
import {
  CardRejected,
  DisputeNotDecidable,
  type CardInput,
  type ChargeOutcome,
  type PaymentMethodInput,
  type PaymentProvider,
  type ProviderEvent,
  type SavedCard,
  type SubscriptionState,
} from './payments.js';

/**
 * The built-in provider: no network, Stripe's test-card rules.
 * - 4242 4242 4242 4242 (and any other valid number) succeeds;
 * - 4000 0000 0000 0002 is saved but every charge is declined (`card_declined`);
 * - 4000 0000 0000 9995 is saved but charges fail with `insufficient_funds`;
 * - 4000 0000 0000 0341 is saved but charges fail (`card_declined`), as Stripe's attach-then-fail card;
 * - 4000 0000 0000 0259 is charged, then the cardholder disputes the charge (a dispute that needs a
 *   response opens at once); `decideDispute` plays the card network's decision.
 * Numbers are Luhn-checked and expiry is checked against the service's clock. The card's behaviour
 * is kept in its reference (like Stripe's `pm_card_chargeDeclined`), never the number itself.
 * Charges are recorded by idempotency key, so a retried key answers the first outcome.
 */
const BEHAVIOURS: Record<string, { failureCode: string; message: string } | undefined> = {
  '4000000000000002': { failureCode: 'card_declined', message: 'Your card was declined.' },
  '4000000000009995': { failureCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  '4000000000000341': { failureCode: 'card_declined', message: 'Your card was declined.' },
};

/** Charged, then disputed (Stripe's 4000 0000 0000 0259). */
const DISPUTED_CARD = '4000000000000259';

const REF_PREFIX = 'pm_builtin_';

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function cardBrand(digits: string): string {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^(6011|65|64[4-9])/.test(digits)) return 'discover';
  return 'unknown';
}

function checkCard(card: CardInput, now: Date): string {
  const digits = card.card_number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits) || !luhnValid(digits)) throw new CardRejected('invalid_number', 'The card number is not valid.');
  const monthIndex = card.exp_year * 12 + (card.exp_month - 1);
  const currentIndex = now.getUTCFullYear() * 12 + now.getUTCMonth();
  if (monthIndex < currentIndex) throw new CardRejected('expired_card', 'The card has expired.', 'exp_month');
  const cvcLength = cardBrand(digits) === 'amex' ? 4 : 3;
  if (!new RegExp(`^\\d{${cvcLength}}$`).test(card.cvc)) throw new CardRejected('invalid_cvc', `The security code must be ${cvcLength} digits.`, 'cvc');
  return digits;
}

export function createBuiltinProvider(deps: { db: Db; clock: Clock }): PaymentProvider {
  return {
    name: 'builtin',

    async createCustomer({ orgId }) {
      return `cus_builtin_${orgId}`;
    },

    async savePaymentMethod({ method }: { customerId: string; method: PaymentMethodInput }): Promise<SavedCard> {
      if (!('card' in method)) throw new CardRejected('unsupported', 'The built-in provider takes card details, not a Stripe payment method.', 'stripe_payment_method_id');
      const digits = checkCard(method.card, deps.clock.now());
      const behaviour = Object.keys(BEHAVIOURS).includes(digits) || digits === DISPUTED_CARD ? digits.slice(-4) : 'ok';
      return {
        providerRef: `${REF_PREFIX}${behaviour}_${randomBytes(8).toString('hex')}`,
        brand: cardBrand(digits),
        last4: digits.slice(-4),
        expMonth: method.card.exp_month,
        expYear: method.card.exp_year,
      };
    },

    async removePaymentMethod() {
      // Nothing is kept on the built-in side beyond the reference.
    },

    async charge(input): Promise<ChargeOutcome> {
      const previous = await findBuiltinCharge(deps.db, input.idempotencyKey);
      if (previous) return outcomeOf(previous);
      const behaviour = input.providerRef.slice(REF_PREFIX.length).split('_')[0] ?? 'ok';
      const failure = Object.entries(BEHAVIOURS).find(([number]) => number.endsWith(behaviour) && behaviour !== 'ok')?.[1];
      const now = deps.clock.now();
      const stored = await recordBuiltinCharge(deps.db, {
        idempotency_key: input.idempotencyKey,
        charge_id: `ch_builtin_${randomBytes(10).toString('hex')}`,
        amount_cents: input.amountCents,
        currency: input.currency,
        status: failure ? 'failed' : 'succeeded',
        failure_code: failure?.failureCode ?? null,
        created_at: now,
      });
      if (stored.status === 'succeeded' && DISPUTED_CARD.endsWith(behaviour)) {
        await openBuiltinDispute(deps.db, {
          dispute_id: `du_builtin_${randomBytes(10).toString('hex')}`,
          charge_id: stored.charge_id,
          amount_cents: stored.amount_cents,
          currency: stored.currency,
          status: 'needs_response',
          created_at: now,
        });
      }
      return outcomeOf(stored);
    },

    async refund(input) {
      const charge = await findBuiltinChargeById(deps.db, input.providerPaymentId);
      if (!charge || charge.status !== 'succeeded') throw new Error(`The built-in provider has no succeeded charge ${input.providerPaymentId} to refund.`);
      const providerRefundId = await recordBuiltinRefund(deps.db, {
        idempotency_key: input.idempotencyKey,
        refund_id: `re_builtin_${randomBytes(10).toString('hex')}`,
        charge_id: charge.charge_id,
        amount_cents: input.amountCents,
        currency: input.currency,
        created_at: deps.clock.now(),
      });
      return { providerRefundId };
    },

    async findCharge(idempotencyKey: string) {
      const row = await findBuiltinCharge(deps.db, idempotencyKey);
      return row ? outcomeOf(row) : null;
    },

    async undeliveredEvents() {
      const disputes = await undeliveredBuiltinDisputes(deps.db);
      return disputes.flatMap((dispute): ProviderEvent[] => {
        const reported = { providerDisputeId: dispute.dispute_id, providerPaymentId: dispute.charge_id, amountCents: dispute.amount_cents, currency: dispute.currency, reason: 'fraudulent' };
        const opened: ProviderEvent = { id: builtinDisputeEventId(dispute.dispute_id, 'created'), type: 'dispute.opened', createdAt: dispute.created_at, dispute: { ...reported, outcome: null } };
        if (dispute.status === 'needs_response' || dispute.closed_at === null) return [opened];
        const closed: ProviderEvent = { id: builtinDisputeEventId(dispute.dispute_id, 'closed'), type: 'dispute.closed', createdAt: dispute.closed_at, dispute: { ...reported, outcome: dispute.status } };
        return [opened, closed];
      });
    },

    async decideDispute({ providerDisputeId, outcome }) {
      if (!(await decideBuiltinDispute(deps.db, { disputeId: providerDisputeId, outcome, now: deps.clock.now() }))) {
        throw new DisputeNotDecidable(`The built-in provider has no open dispute ${providerDisputeId}.`);
      }
    },

    async requestSubscriptionChange({ subscriptionRef, desired }: { subscriptionRef: string | null; desired: SubscriptionState }) {
      const event: ProviderEvent = {
        id: `evt_builtin_${randomBytes(10).toString('hex')}`,
        type: 'subscription.updated',
        createdAt: deps.clock.now(),
        subscription: desired,
      };
      return { subscriptionRef: subscriptionRef ?? `sub_builtin_${desired.orgId}`, events: [event] };
    },
  };
}

function outcomeOf(row: { charge_id: string; status: string; failure_code: string | null }): ChargeOutcome {
  if (row.status === 'succeeded') return { status: 'succeeded', providerPaymentId: row.charge_id };
  const failureCode = row.failure_code ?? 'card_declined';
  const message = Object.values(BEHAVIOURS).find((behaviour) => behaviour?.failureCode === failureCode)?.message ?? 'The charge failed.';
  return { status: 'failed', providerPaymentId: row.charge_id, failureCode, message };
}
