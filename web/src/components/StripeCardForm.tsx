import { lazy, Suspense } from 'react';

/**
 * Stripe.js and Stripe Elements are fetched only when a card form is shown with Stripe configured
 * (`GET /v1/config`): with the built-in provider, no page ever contacts js.stripe.com.
 */
const StripeElementsForm = lazy(() => import('./StripeElementsForm.js').then((module) => ({ default: module.StripeElementsForm })));

export function StripeCardForm(props: { publishableKey: string; onPaymentMethod: (id: string) => Promise<void> }) {
  return (
    <Suspense
      fallback={
        <p className="loading" role="status">
          Loading…
        </p>
      }
    >
      <StripeElementsForm {...props} />
    </Suspense>
  );
}
