import { useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, errorMessage } from '../../api.js';
import { useSession } from '../../auth.js';
import { formatCredits, formatMoney } from '../../format.js';
import { useOrg, usePaymentMethods } from '../../queries.js';
import { FIELD_IDS, useFocusWhenLinked } from './focus-field.js';
import { usePlanCreditPrice } from './credit-price.js';
import { PURCHASE_STEP } from './purchase-limits.js';
import { PurchaseReview } from './PurchaseReview.js';
import { useCreditPurchase } from './use-credit-purchase.js';
import { usePurchaseQuote } from './use-purchase-quote.js';

/**
 * Buying credits (admins): the amount, its price with tax and the card charged, then the outcome. An
 * org whose subscription has ended cannot buy (the server refuses): a sentence says what to do instead.
 */
export function PurchaseSection() {
  const { orgId } = useSession();
  const headingId = useId();
  const org = useOrg(orgId);
  if (org.data?.subscription.status !== 'canceled') return <PurchaseForm headingId={headingId} />;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Purchase Credits</h2>
      <p data-testid="purchase-ended">
        Your subscription has ended, so credits cannot be bought. <Link to="/billing">Choose a plan on Billing</Link> to buy credits again.
      </p>
    </section>
  );
}

function PurchaseForm({ headingId }: { headingId: string }) {
  const { orgId } = useSession();
  const messageId = useId();
  const [text, setText] = useState('1000');
  const plan = usePlanCreditPrice(orgId);
  const { problem, credits, limits, quotedPrice, quote, quoteCurrent } = usePurchaseQuote(orgId, text);
  const price = quotedPrice ?? plan.price;
  // The card the purchase is charged to, shown in the review; without one there is nothing to charge.
  const methods = usePaymentMethods(orgId);
  const card = methods.data?.items.find((method) => method.default) ?? methods.data?.items[0];
  const noCard = methods.isSuccess && card === undefined;
  const { purchase, buy } = useCreditPurchase(orgId);
  useFocusWhenLinked(FIELD_IDS.purchaseAmount);

  // The form is the review: credits, price, tax, total and the card, all for the amount typed. It can
  // be sent only once they are all shown (never while the total is loading, e.g. by pressing Enter).
  const canPurchase = problem === null && quoteCurrent && card !== undefined && !purchase.isPending;

  const setAmount = (value: string) => {
    setText(value);
    if (!purchase.isPending) purchase.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (credits === null || !canPurchase) return;
    buy(credits);
  };
  const sliderValue = credits ?? Math.min(limits.max, Math.max(limits.min, Math.round(Number(text) || limits.min)));

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Purchase Credits</h2>
      <p className="muted">
        Purchased credits are added on top of your plan credits and never expire. {formatMoney(price.unitCents, price.currency)} per credit;{' '}
        {formatCredits(limits.min)} to {formatCredits(limits.max)} credits per purchase.
      </p>
      <form className="purchase-form" noValidate onSubmit={submit}>
        <div className="row">
          <label>
            Credits to purchase
            <input
              id={FIELD_IDS.purchaseAmount}
              type="number"
              inputMode="numeric"
              min={limits.min}
              max={limits.max}
              step={1}
              value={text}
              aria-invalid={problem !== null}
              aria-describedby={messageId}
              onChange={(event) => setAmount(event.target.value)}
            />
          </label>
          <label className="slider">
            Credits slider
            <input
              type="range"
              min={limits.min}
              max={limits.max}
              step={PURCHASE_STEP}
              value={sliderValue}
              aria-valuetext={`${formatCredits(sliderValue)} credits`}
              onChange={(event) => setAmount(event.target.value)}
            />
          </label>
        </div>
        <div id={messageId} className="purchase-summary" aria-live="polite">
          <PurchaseReview problem={problem} credits={credits} price={price} quote={quote} quoteCurrent={quoteCurrent} card={card} />
        </div>
        {noCard && (
          <p className="notice" data-testid="purchase-no-card">
            Add a payment method in <Link to="/billing">Billing &gt; Payment Methods</Link> to purchase credits.
          </p>
        )}
        <button type="submit" className="primary" disabled={!canPurchase}>
          {purchase.isPending ? 'Processing payment…' : 'Purchase Credits'}
        </button>
      </form>
      {purchase.isSuccess &&
        (purchase.data.status === 'pending' ? (
          <p className="success" role="status">
            The payment is being processed; the credits are added as soon as it is confirmed.
          </p>
        ) : (
          <p className="success" role="status">
            {formatCredits(purchase.data.credits)} credits added to your balance.
          </p>
        ))}
      {purchase.isError &&
        (purchase.error instanceof ApiError && purchase.error.code === 'NO_PAYMENT_METHOD' ? (
          <p className="error" role="alert">
            Add a payment method in <Link to="/billing">Billing &gt; Payment Methods</Link> first.
          </p>
        ) : (
          <p className="error" role="alert">
            {errorMessage(purchase.error, 'credits')}
          </p>
        ))}
      {plan.error !== null && quotedPrice === null && (
        <p className="error" role="alert">
          The plan’s credit price could not be loaded; prices assume {formatMoney(price.unitCents, price.currency)} per credit.
        </p>
      )}
    </section>
  );
}
