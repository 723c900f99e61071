import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../../api.js';
import { useSession } from '../../auth.js';
import { formatCredits, formatMoney } from '../../format.js';
import { keys } from '../../queries.js';
import type { OnDemand } from '../../types.js';
import { usePlanCreditPrice } from './credit-price.js';
import { FIELD_IDS, useFocusWhenLinked } from './focus-field.js';

const MAX_OVERAGE_LIMIT = 100_000_000;

/** The on-demand switch and monthly limit, with what the limit caps in money; admins save it. */
export function OnDemandForm({ initial }: { initial: OnDemand }) {
  const { orgId, isAdmin } = useSession();
  const queryClient = useQueryClient();
  const helpId = useId();
  const messageId = useId();
  const [enabled, setEnabled] = useState(initial.enabled);
  const [limitText, setLimitText] = useState(String(initial.monthly_limit_credits));
  const [tried, setTried] = useState(false);
  const { price } = usePlanCreditPrice(orgId);
  useFocusWhenLinked(FIELD_IDS.onDemandEnabled);
  useFocusWhenLinked(FIELD_IDS.onDemandLimit);

  const trimmed = limitText.trim();
  const limit = /^\d+$/.test(trimmed) ? Number(trimmed) : null;
  const problem =
    limit === null ? 'Enter a whole number of credits, 0 or more' : limit > MAX_OVERAGE_LIMIT ? `Enter at most ${formatCredits(MAX_OVERAGE_LIMIT)} credits` : null;

  const save = useMutation({
    mutationFn: (body: OnDemand) => api<OnDemand>('PUT', `/v1/orgs/${orgId}/settings/on-demand`, body),
    onSuccess: (saved) => {
      queryClient.setQueryData(keys.settings(orgId, 'on-demand'), saved);
      setEnabled(saved.enabled);
      setLimitText(String(saved.monthly_limit_credits));
      void queryClient.invalidateQueries({ queryKey: keys.balance(orgId) });
    },
  });

  const edit = () => {
    if (!save.isPending) save.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (!isAdmin || problem !== null || limit === null || save.isPending) return;
    save.mutate({ enabled, monthly_limit_credits: limit });
  };

  return (
    <form className="on-demand-form" noValidate onSubmit={submit}>
      <label className="checkbox">
        <input
          id={FIELD_IDS.onDemandEnabled}
          type="checkbox"
          checked={enabled}
          disabled={!isAdmin}
          onChange={(event) => {
            setEnabled(event.target.checked);
            edit();
          }}
        />
        Enable on-demand usage
      </label>
      <div className="row">
        <label>
          Monthly overage limit (credits)
          <input
            id={FIELD_IDS.onDemandLimit}
            type="number"
            inputMode="numeric"
            min={0}
            step={1}
            value={limitText}
            disabled={!isAdmin}
            aria-invalid={problem !== null}
            aria-describedby={`${helpId} ${messageId}`}
            onChange={(event) => {
              setLimitText(event.target.value);
              edit();
            }}
          />
        </label>
      </div>
      <p className="muted" id={helpId}>
        Use 0 for no cap
      </p>
      <div id={messageId}>
        {problem ? (
          <p className="error" role={tried ? 'alert' : undefined} data-testid="overage-limit-error">
            {problem}
          </p>
        ) : (
          limit !== null && (
            <p data-testid="overage-cap-money" aria-live="polite">
              {!enabled
                ? 'On-demand usage is off: AI stops when your credits run out, and nothing extra is billed.'
                : limit === 0
                  ? 'No cap on extra spend'
                  : `${formatCredits(limit)} credits caps extra spend at ${formatMoney(limit * price.unitCents, price.currency)}`}
            </p>
          )
        )}
      </div>
      {isAdmin ? (
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save Settings'}
        </button>
      ) : (
        <p className="muted">Only admins can change on-demand usage.</p>
      )}
      {save.isSuccess && (
        <p className="success" role="status">
          Settings saved.
        </p>
      )}
      {save.isError && (
        <p className="error" role="alert">
          {errorMessage(save.error, 'monthly_limit_credits')}
        </p>
      )}
    </form>
  );
}
