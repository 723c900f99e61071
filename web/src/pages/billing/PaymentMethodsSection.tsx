import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../../api.js';
import { useSession } from '../../auth.js';
import { cardLabel, cardName } from '../../cards.js';
import { StripeCardForm } from '../../components/StripeCardForm.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { formatDate } from '../../format.js';
import { keys, refreshAfterMoneyChange, usePaymentMethods } from '../../queries.js';
import type { Config, PaymentMethod } from '../../types.js';
import { CardForm } from './CardForm.js';
import { ConfirmCardRemoval } from './ConfirmCardRemoval.js';

function addedMessage(method: PaymentMethod): string {
  return `${cardName(method)} added${method.default ? ' as your default card' : ''}.`;
}

/** "Visa •••• 0341 was declined on Dec 1, 2026. Add another card or make another card the default." */
function declinedWarning(method: PaymentMethod, failed: { at: string; reason: string }, cardCount: number): string {
  const when = formatDate(failed.at);
  // The server's reason is a sentence ("Payment failed: the card has expired."); its end says why.
  const why = failed.reason.replace(/^Payment failed: /, '');
  const what = /^the card was declined\.?$/.test(why) ? `${cardLabel(method)} was declined on ${when}.` : `A charge to ${cardLabel(method)} failed on ${when}: ${why}`;
  return `${what} ${cardCount > 1 ? 'Add another card or make another card the default.' : 'Add another card and make it the default.'}`;
}

/** The org's saved cards (admins only): add one, choose the default, remove one after a confirmation. */
export function PaymentMethodsSection() {
  const { orgId, isAdmin } = useSession();
  const queryClient = useQueryClient();
  const methods = usePaymentMethods(orgId, isAdmin);
  // With Stripe configured, cards are collected by Stripe Elements; otherwise by the built-in form.
  const config = useQuery({ queryKey: keys.config(), queryFn: () => api<Config>('GET', '/v1/config'), staleTime: Infinity });
  const stripeKey = config.data?.payments_provider === 'stripe' ? config.data.stripe_publishable_key : null;
  const [message, setMessage] = useState<string | null>(null);
  /** The card whose removal waits for a confirmation. */
  const [removing, setRemoving] = useState<PaymentMethod | null>(null);

  const makeDefault = useMutation({
    mutationFn: (method: PaymentMethod) => api<PaymentMethod>('POST', `/v1/orgs/${orgId}/payment-methods/${encodeURIComponent(method.id)}/default`),
    onSuccess: (method) => setMessage(`${cardName(method)} is now your default card.`),
    onSettled: () => refreshAfterMoneyChange(queryClient, orgId),
  });
  const remove = useMutation({
    mutationFn: (method: PaymentMethod) => api('DELETE', `/v1/orgs/${orgId}/payment-methods/${encodeURIComponent(method.id)}`),
    onSuccess: (_data, method) => setMessage(`${cardName(method)} removed.`),
    onSettled: () => refreshAfterMoneyChange(queryClient, orgId),
  });

  if (!isAdmin) {
    return (
      <section className="card" aria-labelledby="payment-methods-heading">
        <h2 id="payment-methods-heading">Payment Methods</h2>
        <p className="muted">Only admins can see and change the organization’s cards.</p>
      </section>
    );
  }

  const listBusy = makeDefault.isPending || remove.isPending;
  const listError = makeDefault.error ?? remove.error;

  return (
    <section className="card" id="payment-methods" aria-labelledby="payment-methods-heading">
      <h2 id="payment-methods-heading">Payment Methods</h2>
      {methods.isPending && <Loading />}
      {methods.isError && <LoadFailed error={methods.error} what="The payment methods" />}
      {methods.data && methods.data.items.length === 0 && <p className="muted">No card on file. Add a card to buy credits and pay invoices.</p>}
      {methods.data && methods.data.items.length > 0 && (
        <ul className="cards" aria-label="Saved cards">
          {[...methods.data.items]
            .sort((a, b) => Number(b.default) - Number(a.default))
            .map((method) => (
              <li key={method.id} className="payment-method">
                <span className="card-name">
                  {cardName(method)}
                  {method.default && <span className="tag tag-ok">Default</span>}
                </span>
                {method.default && method.last_charge_failed && (
                  <p className="card-warning">{declinedWarning(method, method.last_charge_failed, methods.data.items.length)}</p>
                )}
                <span className="card-actions">
                  {!method.default && (
                    <button
                      type="button"
                      disabled={listBusy}
                      onClick={() => {
                        setMessage(null);
                        remove.reset();
                        makeDefault.mutate(method);
                      }}
                    >
                      Set as default
                    </button>
                  )}
                  <button
                    type="button"
                    className="danger"
                    disabled={listBusy}
                    onClick={() => {
                      setMessage(null);
                      makeDefault.reset();
                      setRemoving(method);
                    }}
                  >
                    Remove
                  </button>
                </span>
              </li>
            ))}
        </ul>
      )}
      {removing && methods.data && (
        <ConfirmCardRemoval
          card={removing}
          cards={methods.data.items}
          pending={remove.isPending}
          onConfirm={() => remove.mutate(removing, { onSettled: () => setRemoving(null) })}
          onKeep={() => setRemoving(null)}
        />
      )}
      {listError && (
        <p className="error" role="alert">
          {errorMessage(listError)}
        </p>
      )}

      {stripeKey ? (
        <StripeCardForm
          publishableKey={stripeKey}
          onPaymentMethod={async (id) => {
            const method = await api<PaymentMethod>('POST', `/v1/orgs/${orgId}/payment-methods`, { stripe_payment_method_id: id });
            setMessage(addedMessage(method));
            refreshAfterMoneyChange(queryClient, orgId);
          }}
        />
      ) : (
        <CardForm orgId={orgId} onStart={() => setMessage(null)} onAdded={(method) => setMessage(addedMessage(method))} />
      )}
      {message && (
        <p className="success" role="status">
          {message}
        </p>
      )}
    </section>
  );
}
