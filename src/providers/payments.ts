/**
 * What loupe-billing needs from a payment provider. Two implementations: the built-in provider
 * (no network, Stripe's test-card rules) and Stripe (official SDK). Both confirm subscription changes
 * with provider events that go through the same handler (billing/handle-provider-event.ts).
 */
export const PROVIDER_NAMES = ['builtin', 'stripe'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface CardInput {
  readonly card_number: string;
  readonly exp_month: number;
  readonly exp_year: number;
  readonly cvc: string;
}

export type PaymentMethodInput = { readonly card: CardInput } | { readonly stripePaymentMethodId: string };

/** Only brand, last 4 digits and expiry are ever stored. */
export interface SavedCard {
  readonly providerRef: string;
  readonly brand: string;
  readonly last4: string;
  readonly expMonth: number;
  readonly expYear: number;
}

export type ChargeOutcome =
  | { readonly status: 'succeeded'; readonly providerPaymentId: string }
  | { readonly status: 'failed'; readonly providerPaymentId: string | null; readonly failureCode: string; readonly message: string };

/** A card the provider will not save (invalid number, expired, wrong CVC, declined). */
export class CardRejected extends Error {
  override name = 'CardRejected';
  constructor(
    readonly code: string,
    message: string,
    readonly field: 'card_number' | 'exp_month' | 'cvc' | 'stripe_payment_method_id' = 'card_number',
  ) {
    super(message);
  }
}

/** The provider could not be reached or answered with an error that is not about the card. */
export class ProviderUnavailable extends Error {
  override name = 'ProviderUnavailable';
}

/** The provider cannot decide this dispute here: Stripe's are decided by the bank, or it is closed already. */
export class DisputeNotDecidable extends Error {
  override name = 'DisputeNotDecidable';
}

export interface SubscriptionState {
  readonly orgId: string;
  readonly plan: string;
  readonly scheduledPlan: string | null;
  readonly cancelAtPeriodEnd: boolean;
}

/** A card dispute as the provider reports it (Stripe's Dispute object; the built-in test card 0259). */
export interface ProviderDispute {
  readonly providerDisputeId: string;
  /** The disputed payment, as the purchase stores it (a PaymentIntent id, or a built-in charge id). */
  readonly providerPaymentId: string;
  readonly amountCents: number;
  readonly currency: string;
  /** The card network's reason code: fraudulent, product_not_received … */
  readonly reason: string;
  /** Closed disputes: won (or closed without a chargeback), or lost. */
  readonly outcome: 'won' | 'lost' | null;
}

/** Provider events in our own words; the Stripe adapter maps Stripe's events onto these. */
export type ProviderEvent =
  | { readonly id: string; readonly type: 'subscription.updated'; readonly createdAt: Date; readonly subscription: SubscriptionState }
  | { readonly id: string; readonly type: 'subscription.deleted'; readonly createdAt: Date; readonly orgId: string }
  | {
      readonly id: string;
      readonly type: 'payment.succeeded' | 'payment.failed';
      readonly createdAt: Date;
      readonly providerPaymentId: string;
      readonly metadata: Readonly<Record<string, string>>;
      readonly failureCode?: string | undefined;
    }
  | {
      readonly id: string;
      readonly type: 'dispute.opened' | 'dispute.closed';
      readonly createdAt: Date;
      readonly dispute: ProviderDispute;
    }
  | { readonly id: string; readonly type: 'ignored'; readonly createdAt: Date; readonly providerType: string };

export interface PaymentProvider {
  readonly name: ProviderName;
  createCustomer(input: { orgId: string; name: string; email: string | null }): Promise<string>;
  savePaymentMethod(input: { customerId: string; method: PaymentMethodInput }): Promise<SavedCard>;
  removePaymentMethod(providerRef: string): Promise<void>;
  /** Charges a saved card off-session. The same idempotency key never charges twice. */
  charge(input: {
    customerId: string;
    providerRef: string;
    amountCents: number;
    currency: string;
    idempotencyKey: string;
    description: string;
    metadata: Record<string, string>;
  }): Promise<ChargeOutcome>;
  /**
   * The provider's record of the charge made with this idempotency key, or null when it never made
   * one. Reconciliation repairs a purchase whose outcome was lost (a timeout, a crash) from it.
   */
  findCharge(idempotencyKey: string): Promise<ChargeOutcome | null>;
  /**
   * Pays back part or all of a charge (its `providerPaymentId`). The same idempotency key never
   * refunds twice: a retry answers the first refund. Throws ProviderUnavailable when the outcome is
   * unknown, so the caller keeps the refund pending and tries again with the same key.
   */
  refund(input: { providerPaymentId: string; amountCents: number; currency: string; idempotencyKey: string; metadata: Record<string, string> }): Promise<{ providerRefundId: string }>;
  /**
   * Events the provider has for us that no webhook brings (the built-in provider's disputes); each is
   * delivered through the same handler as webhook events, which applies it once by its id.
   */
  undeliveredEvents(): Promise<ProviderEvent[]>;
  /**
   * Decides an open dispute, as the card network does after the evidence (the built-in provider only:
   * Stripe's disputes are decided by the bank and arrive as `charge.dispute.closed`). Throws
   * DisputeNotDecidable when this provider does not decide disputes or knows no such open dispute.
   */
  decideDispute(input: { providerDisputeId: string; outcome: 'won' | 'lost' }): Promise<void>;
  /**
   * Asks the provider to change the subscription. The change is applied locally only when the
   * provider confirms it: the built-in provider returns its confirmation events at once, Stripe
   * sends them to the webhook later (and this returns none).
   */
  requestSubscriptionChange(input: { customerId: string; subscriptionRef: string | null; desired: SubscriptionState }): Promise<{
    subscriptionRef: string | null;
    events: ProviderEvent[];
  }>;
}
