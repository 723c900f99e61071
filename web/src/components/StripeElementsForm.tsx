import { useState, type FormEvent } from 'react';
// `pure`: the main entry injects Stripe.js as a side effect of being imported; this one only when loadStripe is called.
import { loadStripe } from '@stripe/stripe-js/pure';
import type { Stripe } from '@stripe/stripe-js';
import { CardElement, Elements, useElements, useStripe } from '@stripe/react-stripe-js';

/**
 * With Stripe configured, card numbers never reach our server: Stripe Elements collects them in the
 * browser and returns a PaymentMethod id, which the API saves (`{stripe_payment_method_id}`).
 * Loaded by StripeCardForm only when it is shown; Stripe.js itself is fetched on the first render.
 */
let stripePromise: Promise<Stripe | null> | null = null;

export function StripeElementsForm({ publishableKey, onPaymentMethod }: { publishableKey: string; onPaymentMethod: (id: string) => Promise<void> }) {
  stripePromise ??= loadStripe(publishableKey);
  return (
    <Elements stripe={stripePromise}>
      <CardForm onPaymentMethod={onPaymentMethod} />
    </Elements>
  );
}

function CardForm({ onPaymentMethod }: { onPaymentMethod: (id: string) => Promise<void> }) {
  const stripe = useStripe();
  const elements = useElements();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const card = elements?.getElement(CardElement);
    if (!stripe || !card) return;
    setBusy(true);
    setError(null);
    const result = await stripe.createPaymentMethod({ type: 'card', card });
    if (result.error) setError(result.error.message ?? 'The card was refused.');
    else await onPaymentMethod(result.paymentMethod.id).catch((failure: Error) => setError(failure.message));
    setBusy(false);
  };
  return (
    <form onSubmit={submit} aria-label="Add a card">
      <label>
        Card
        <CardElement options={{ hidePostalCode: false }} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || !stripe}>
        Add card
      </button>
    </form>
  );
}
