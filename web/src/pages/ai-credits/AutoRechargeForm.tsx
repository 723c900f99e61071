import { useRef, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ApiError, api, errorMessage } from '../../api.js';
import { useSession } from '../../auth.js';
import { cardLabel } from '../../cards.js';
import { formatCredits, formatDate, formatMoney } from '../../format.js';
import { keys, usePaymentMethods } from '../../queries.js';
import type { AutoRecharge } from '../../types.js';
import { MAX_RECHARGE_THRESHOLD, refusedFields, wholeCredits } from './settings-fields.js';
import { usePurchaseQuote } from './use-purchase-quote.js';
import { CreditsField } from './CreditsField.js';

const DEFAULT_AMOUNT = '1000';

/** The switch, the threshold and the amount, with what each recharge costs and which card pays it. */
export function AutoRechargeForm({ initial }: { initial: AutoRecharge }) {
  const { orgId } = useSession();
  const queryClient = useQueryClient();
  const [enabled, setEnabled] = useState(initial.enabled);
  const [thresholdText, setThresholdText] = useState(initial.threshold_credits === null ? '' : String(initial.threshold_credits));
  const [amountText, setAmountText] = useState(initial.amount_credits === null ? DEFAULT_AMOUNT : String(initial.amount_credits));
  const [tried, setTried] = useState(false);
  const thresholdField = useRef<HTMLInputElement>(null);
  const amountField = useRef<HTMLInputElement>(null);

  // The amount is a purchase: the same limits, price and tax as buying by hand.
  const { problem: amountProblem, credits: amount, quote, quoteCurrent } = usePurchaseQuote(orgId, amountText);
  const threshold = wholeCredits(thresholdText, { min: 0, max: MAX_RECHARGE_THRESHOLD });
  const methods = usePaymentMethods(orgId);
  const card = methods.data?.items.find((method) => method.default);

  const save = useMutation({
    mutationFn: (body: { enabled: boolean; threshold_credits?: number; amount_credits?: number }) =>
      api<AutoRecharge>('PUT', `/v1/orgs/${orgId}/settings/auto-recharge`, body),
    onSuccess: (saved) => {
      queryClient.setQueryData(keys.settings(orgId, 'auto-recharge'), saved);
      setEnabled(saved.enabled);
    },
  });
  const refused = refusedFields(save.error, {
    threshold_credits: `Enter a whole number of credits from 0 to ${formatCredits(MAX_RECHARGE_THRESHOLD)}.`,
    amount_credits: amountProblem ?? 'This amount cannot be bought in one purchase.',
  });
  // Checked only when they matter: a switched-off recharge keeps whatever was typed.
  const thresholdError = (tried && enabled && 'problem' in threshold ? threshold.problem : null) ?? refused.threshold_credits ?? null;
  const amountError = (tried && enabled && amountProblem ? `${amountProblem}.` : null) ?? refused.amount_credits ?? null;
  const noCard = save.error instanceof ApiError && save.error.code === 'NO_PAYMENT_METHOD';
  const otherError = save.isError && !noCard && Object.keys(refused).length === 0 ? errorMessage(save.error) : null;

  const edit = () => {
    if (!save.isPending) save.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (save.isPending) return;
    if (!enabled) {
      save.mutate({
        enabled: false,
        ...('credits' in threshold ? { threshold_credits: threshold.credits } : {}),
        ...(amount !== null ? { amount_credits: amount } : {}),
      });
      return;
    }
    if (!('credits' in threshold)) return thresholdField.current?.focus();
    if (amount === null) return amountField.current?.focus();
    save.mutate({ enabled: true, threshold_credits: threshold.credits, amount_credits: amount });
  };

  return (
    <form className="settings-form" noValidate onSubmit={submit}>
      {initial.paused && initial.paused_at && (
        <p className="warning-note" data-testid="auto-recharge-paused">
          Auto-recharge is paused: the card was declined on {formatDate(initial.paused_at)}. Check your card in Billing, then save with
          auto-recharge on to start it again.
        </p>
      )}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={enabled}
          onChange={(event) => {
            setEnabled(event.target.checked);
            edit();
          }}
        />
        Turn on auto-recharge
      </label>
      <div className="row">
        <CreditsField
          label="When credits fall below"
          value={thresholdText}
          error={thresholdError}
          errorTestId="recharge-threshold-error"
          inputRef={thresholdField}
          onChange={(text) => {
            setThresholdText(text);
            edit();
          }}
        />
        <CreditsField
          label="Credits to buy each time"
          value={amountText}
          error={amountError}
          errorTestId="recharge-amount-error"
          inputRef={amountField}
          onChange={(text) => {
            setAmountText(text);
            edit();
          }}
        />
      </div>
      <p data-testid="auto-recharge-price" aria-live="polite">
        {amount === null
          ? null
          : quoteCurrent && quote.data
            ? `Each recharge buys ${formatCredits(amount)} credits for ${formatMoney(quote.data.total_cents, quote.data.currency)}` +
              (quote.data.tax_cents > 0 ? ` (${formatMoney(quote.data.amount_cents, quote.data.currency)} plus ${formatMoney(quote.data.tax_cents, quote.data.currency)} tax)` : '') +
              (card ? `, charged to ${cardLabel(card)}.` : '.')
            : 'Working out the price…'}
      </p>
      {methods.isSuccess && !card && (
        <p className="notice">
          Add a card in <Link to="/billing">Billing &gt; Payment Methods</Link> before turning on auto-recharge.
        </p>
      )}
      <button type="submit" className="primary" disabled={save.isPending}>
        {save.isPending ? 'Saving…' : 'Save auto-recharge'}
      </button>
      {save.isSuccess && (
        <p className="success" role="status">
          {save.data.enabled ? 'Auto-recharge saved and on.' : 'Auto-recharge saved and off.'}
        </p>
      )}
      {noCard && (
        <p className="error" role="alert">
          Add a card in <Link to="/billing">Billing &gt; Payment Methods</Link> before turning on auto-recharge.
        </p>
      )}
      {otherError && (
        <p className="error" role="alert">
          Auto-recharge could not be saved: {otherError}
        </p>
      )}
    </form>
  );
}
