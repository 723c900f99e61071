import type { UseQueryResult } from '@tanstack/react-query';
import { cardLabel } from '../../cards.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { formatCredits, formatMoney } from '../../format.js';
import type { CreditQuote, PaymentMethod } from '../../types.js';
import type { CreditPrice } from './credit-price.js';
import { creditsPriceCents } from '../../../../src/domain/credit-purchase.js';

/**
 * What the purchase of the amount typed charges: credits and price, tax and total once the quote is
 * for exactly that amount, and the card; or why the amount cannot be bought.
 */
export function PurchaseReview({
  problem,
  credits,
  price,
  quote,
  quoteCurrent,
  card,
}: {
  problem: string | null;
  credits: number | null;
  price: CreditPrice;
  quote: UseQueryResult<CreditQuote>;
  quoteCurrent: boolean;
  card: PaymentMethod | undefined;
}) {
  if (problem) {
    return (
      <p className="error" data-testid="purchase-error">
        {problem}
      </p>
    );
  }
  if (credits === null) return null;
  return (
    <>
      <p className="purchase-total" data-testid="purchase-total">
        {formatCredits(credits)} credits = {formatMoney(creditsPriceCents(credits, price.unitCents), price.currency)}
      </p>
      {quoteCurrent && quote.data ? (
        <QuoteLines quote={quote.data} card={card} />
      ) : quote.isError && !quote.isFetching ? (
        <LoadFailed error={quote.error} what="The price with tax" />
      ) : (
        <Loading />
      )}
    </>
  );
}

function QuoteLines({ quote, card }: { quote: CreditQuote; card: PaymentMethod | undefined }) {
  return (
    <div className="quote">
      <p data-testid="purchase-tax">Tax: {formatMoney(quote.tax_cents, quote.currency)}</p>
      <p data-testid="purchase-grand-total">
        <strong>Total: {formatMoney(quote.total_cents, quote.currency)}</strong>
      </p>
      {quote.tax.length > 0 && (
        <p className="muted">
          {quote.tax.map((line) => `${line.name} (${(line.rate_bps / 100).toLocaleString('en-US')}%): ${formatMoney(line.amount_cents, quote.currency)}`).join(' · ')}
        </p>
      )}
      {quote.tax_note && <p className="muted">{quote.tax_note}</p>}
      {card && <p data-testid="purchase-card">Charged to {cardLabel(card)}</p>}
    </div>
  );
}
