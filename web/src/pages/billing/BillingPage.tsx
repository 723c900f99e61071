import { Link } from 'react-router';
import { InvoiceHistorySection } from './InvoiceHistorySection.js';
import { OpenInvoicesNotice } from './OpenInvoicesNotice.js';
import { PaymentMethodsSection } from './PaymentMethodsSection.js';
import { SubscriptionSection } from './SubscriptionSection.js';
import { UpcomingInvoiceSection } from './UpcomingInvoiceSection.js';

/** Billing: what is due now, the subscription, the upcoming invoice, payment methods, invoices and billing history. */
export function BillingPage() {
  return (
    <div className="billing">
      <h1>Billing</h1>
      <nav className="page-links" aria-label="About billing">
        <Link to="/billing/plans">Pricing &amp; Plans</Link>
        <Link to="/billing/faq">Billing FAQ</Link>
      </nav>
      <OpenInvoicesNotice />
      <SubscriptionSection />
      <UpcomingInvoiceSection />
      <PaymentMethodsSection />
      <InvoiceHistorySection />
    </div>
  );
}
