import { InvoiceHistorySection } from './InvoiceHistorySection.js';
import { PaymentMethodsSection } from './PaymentMethodsSection.js';
import { SubscriptionSection } from './SubscriptionSection.js';

/** Billing: the subscription, payment methods, invoices and billing history. */
export function BillingPage() {
  return (
    <div className="billing">
      <h1>Billing</h1>
      <SubscriptionSection />
      <PaymentMethodsSection />
      <InvoiceHistorySection />
    </div>
  );
}
