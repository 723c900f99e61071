import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { StripeCardForm } from '../components/StripeCardForm.js';
import { api, ApiError, errorMessage } from '../api.js';
import { cardLabel, cardName, usePaymentMethods, type PaymentMethod } from '../cards.js';
import { useSession } from '../auth.js';
import { useBalance } from '../components/AppShell.js';
import { formatCredits, formatDate, formatMoney } from '../format.js';
import type { Org, Plan } from '../types.js';

export interface InvoiceSummary {
  id: string;
  number: string;
  kind: 'period' | 'credit_purchase';
  period_start: string;
  period_end: string;
  status: 'open' | 'paid' | 'void';
  subtotal_cents: number;
  tax_cents: number;
  total_cents: number;
  currency: string;
  issued_at: string;
  paid_at: string | null;
}

interface HistoryEntry {
  kind: 'subscription_charge' | 'credit_purchase' | 'payment_failed';
  id: string;
  occurred_at: string;
  description: string;
  amount_cents: number;
  currency: string;
  status: string;
  invoice_id: string | null;
  invoice_number: string | null;
}

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function invoiceKindLabel(kind: string): string {
  return kind === 'period' ? 'Subscription' : kind === 'credit_purchase' ? 'Credit purchase' : kind;
}

export function invoiceStatusLabel(status: string): string {
  return status === 'paid' ? 'Paid' : status === 'open' ? 'Open (unpaid)' : status === 'void' ? 'Void' : status;
}

export function formatPeriod(start: string, end: string): string {
  return `${formatDate(start)} – ${formatDate(end)}`;
}

/** A period longer than ~3 months is a yearly contract term. */
function periodUnit(org: Org): 'month' | 'year' {
  const days = (Date.parse(org.subscription.current_period_end) - Date.parse(org.subscription.current_period_start)) / 86_400_000;
  return days > 100 ? 'year' : 'month';
}

function planPrice(plan: Plan, unit: 'month' | 'year' = 'month'): string {
  if (plan.priced_by_contract) return 'Priced by contract';
  return `${formatMoney(plan.base_price_cents, plan.currency)} / ${unit}`;
}

function refreshBilling(queryClient: QueryClient, orgId: string) {
  void queryClient.invalidateQueries({ queryKey: ['billing', orgId] });
  void queryClient.invalidateQueries({ queryKey: ['balance', orgId] });
  void queryClient.invalidateQueries({ queryKey: ['notifications', orgId] });
}

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

// ---------------------------------------------------------------------------------------------
// Subscription

type SubscriptionStep = { kind: 'idle' } | { kind: 'compare' } | { kind: 'confirm-plan'; plan: Plan } | { kind: 'confirm-cancel' };

function SubscriptionSection() {
  const { orgId, isAdmin } = useSession();
  const queryClient = useQueryClient();
  const org = useQuery({ queryKey: ['billing', orgId, 'org'], queryFn: () => api<Org>('GET', `/v1/orgs/${orgId}`) });
  const plans = useQuery({ queryKey: ['billing', orgId, 'plans'], queryFn: () => api<{ items: Plan[] }>('GET', '/v1/plans') });
  const balance = useBalance();
  const [step, setStep] = useState<SubscriptionStep>({ kind: 'idle' });
  const [done, setDone] = useState<{ action: 'change'; plan: Plan } | { action: 'cancel' } | { action: 'resume'; restarted: boolean } | null>(null);

  const change = useMutation({
    mutationFn: (plan: Plan) => api('POST', `/v1/orgs/${orgId}/subscription/change`, { plan: plan.id }),
    onSuccess: (_data, plan) => {
      setDone({ action: 'change', plan });
      setStep({ kind: 'idle' });
    },
    onSettled: () => refreshBilling(queryClient, orgId),
  });
  const cancel = useMutation({
    mutationFn: () => api('POST', `/v1/orgs/${orgId}/subscription/cancel`),
    onSuccess: () => {
      setDone({ action: 'cancel' });
      setStep({ kind: 'idle' });
    },
    onSettled: () => refreshBilling(queryClient, orgId),
  });
  const resume = useMutation({
    mutationFn: (_restart: boolean) => api('POST', `/v1/orgs/${orgId}/subscription/resume`),
    onSuccess: (_data, restarted) => {
      setDone({ action: 'resume', restarted });
      setStep({ kind: 'idle' });
    },
    onSettled: () => refreshBilling(queryClient, orgId),
  });
  const resetMutations = () => {
    change.reset();
    cancel.reset();
    resume.reset();
    setDone(null);
  };

  if (org.isPending || plans.isPending) {
    return (
      <section className="card" aria-labelledby="subscription-heading">
        <h2 id="subscription-heading">Subscription</h2>
        <p className="loading" role="status">Loading…</p>
      </section>
    );
  }
  if (org.isError || plans.isError) {
    return (
      <section className="card" aria-labelledby="subscription-heading">
        <h2 id="subscription-heading">Subscription</h2>
        <p className="error" role="alert">The subscription could not be loaded: {errorMessage(org.error ?? plans.error)}</p>
      </section>
    );
  }

  const { subscription } = org.data;
  const catalog = plans.data.items;
  const current = catalog.find((plan) => plan.id === org.data.plan);
  const currentName = current?.name ?? org.data.plan;
  const scheduled = subscription.scheduled_plan ? catalog.find((plan) => plan.id === subscription.scheduled_plan) : undefined;
  const unit = periodUnit(org.data);
  const canceled = subscription.status === 'canceled';
  const endDate = formatDate(subscription.current_period_end);
  const rank = (plan: Plan | undefined) => (plan ? catalog.findIndex((other) => other.id === plan.id) : -1);
  const includedCredits = current?.priced_by_contract && balance.data ? balance.data.plan.granted : current?.included_credits;
  const busy = change.isPending || cancel.isPending || resume.isPending;
  const mutationError = change.error ?? cancel.error ?? resume.error;

  let doneMessage: string | null = null;
  if (done?.action === 'change') {
    if (org.data.plan === done.plan.id && !subscription.scheduled_plan) doneMessage = `Your plan is now ${done.plan.name}.`;
    else if (subscription.scheduled_plan === done.plan.id) doneMessage = `Change to ${done.plan.name} confirmed; it takes effect at the end of the current period.`;
    else doneMessage = `The change to ${done.plan.name} was sent to the payment provider and applies once it is confirmed.`;
  } else if (done?.action === 'cancel') {
    doneMessage = subscription.cancel_at_period_end
      ? 'Cancellation confirmed; it takes effect at the end of the current period.'
      : 'The cancellation was sent to the payment provider and applies once it is confirmed.';
  } else if (done?.action === 'resume') {
    doneMessage = done.restarted ? 'Your subscription is active again with a new term.' : 'Your subscription continues; the scheduled change or cancellation is undone.';
  }

  return (
    <section className="card" aria-labelledby="subscription-heading">
      <h2 id="subscription-heading">Subscription</h2>
      <p className="plan-line">
        <strong>
          {currentName} — {current ? planPrice(current, unit) : ''}
        </strong>{' '}
        <span className={`tag${subscription.status === 'active' && !subscription.cancel_at_period_end ? ' tag-ok' : ' tag-warn'}`}>{statusLabel(subscription.status, subscription.cancel_at_period_end)}</span>
      </p>
      {includedCredits !== undefined && current && (
        <p className="plan-facts">
          Includes {formatCredits(includedCredits)} AI credits per {unit} and up to {formatCredits(current.included_users)} users.
        </p>
      )}
      <p className="plan-facts">
        {canceled ? 'Last period' : 'Current period'}: {formatPeriod(subscription.current_period_start, subscription.current_period_end)}
      </p>

      {subscription.scheduled_plan && !subscription.cancel_at_period_end && (
        <p className="notice">
          Your plan changes to {scheduled?.name ?? subscription.scheduled_plan} on {endDate}.
        </p>
      )}
      {subscription.cancel_at_period_end && !canceled && (
        <p className="notice">
          Your subscription ends on {endDate}. AI access and plan-based billing continue until then; your data remains accessible for 30 days
          after cancellation so you can export it.
        </p>
      )}
      {canceled && (
        <p className="notice">
          Your subscription has ended. Your data remains accessible for 30 days after cancellation so you can export it; resuming starts a new
          term and keeps your purchased credits.
        </p>
      )}
      {subscription.status === 'past_due' && (
        <p className="notice">
          A payment failed. AI access continues;{' '}
          {isAdmin
            ? 'add a card or set another card as default in Payment Methods and the open invoice is charged again.'
            : 'an admin can update the payment method in Payment Methods, and the open invoice is then charged again.'}
        </p>
      )}

      {isAdmin && (
        <div className="row actions">
          {!canceled && (
            <button
              type="button"
              className="primary"
              aria-expanded={step.kind === 'compare' || step.kind === 'confirm-plan'}
              disabled={busy}
              onClick={() => {
                resetMutations();
                setStep(step.kind === 'compare' ? { kind: 'idle' } : { kind: 'compare' });
              }}
            >
              Change Plan
            </button>
          )}
          {(subscription.cancel_at_period_end || subscription.scheduled_plan || canceled) && (
            <button
              type="button"
              disabled={busy}
              onClick={() => {
                resetMutations();
                setStep({ kind: 'idle' });
                resume.mutate(canceled);
              }}
            >
              {/* Undoing a scheduled downgrade keeps the plan; only a cancellation is resumed. */}
              {subscription.scheduled_plan && !subscription.cancel_at_period_end && !canceled ? `Keep the ${currentName} plan` : 'Resume subscription'}
            </button>
          )}
          {!canceled && !subscription.cancel_at_period_end && (
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => {
                resetMutations();
                setStep({ kind: 'confirm-cancel' });
              }}
            >
              Cancel subscription
            </button>
          )}
        </div>
      )}

      {isAdmin && step.kind === 'compare' && (
        <div className="panel" role="region" aria-labelledby="compare-heading">
          <h3 id="compare-heading">Compare plans</h3>
          <div className="table-scroll">
            <table className="compare">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Plan</span>
                  </th>
                  {catalog.map((plan) => (
                    <th key={plan.id} scope="col" className={plan.id === org.data.plan ? 'current' : undefined}>
                      {plan.name}
                      {plan.id === org.data.plan && <span className="tag tag-ok">Current</span>}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">Price</th>
                  {catalog.map((plan) => (
                    <td key={plan.id}>{planPrice(plan)}</td>
                  ))}
                </tr>
                <tr>
                  <th scope="row">Users</th>
                  {catalog.map((plan) => (
                    <td key={plan.id}>{formatCredits(plan.included_users)}</td>
                  ))}
                </tr>
                <tr>
                  <th scope="row">AI credits per month</th>
                  {catalog.map((plan) => (
                    <td key={plan.id}>{plan.priced_by_contract ? 'By contract' : formatCredits(plan.included_credits)}</td>
                  ))}
                </tr>
                <tr>
                  <th scope="row">Extra credits</th>
                  {catalog.map((plan) => (
                    <td key={plan.id}>{formatMoney(plan.credit_price_cents, plan.currency)} each</td>
                  ))}
                </tr>
                <tr>
                  <td />
                  {catalog.map((plan) => {
                    const isCurrent = plan.id === org.data.plan && !subscription.scheduled_plan;
                    // A plan priced by contract is agreed with sales, never picked here (the API refuses it too).
                    if (plan.priced_by_contract && !isCurrent) {
                      return (
                        <td key={plan.id}>
                          <p className="contact-sales">
                            <strong>Contact sales</strong>
                            <span className="muted"> — {plan.name} is agreed in a contract with our sales team.</span>
                          </p>
                        </td>
                      );
                    }
                    return (
                      <td key={plan.id}>
                        <button type="button" className={isCurrent ? undefined : 'primary'} disabled={isCurrent} onClick={() => setStep({ kind: 'confirm-plan', plan })}>
                          Select {plan.name}
                        </button>
                      </td>
                    );
                  })}
                </tr>
              </tbody>
            </table>
          </div>
          <button type="button" className="link" onClick={() => setStep({ kind: 'idle' })}>
            Close comparison
          </button>
        </div>
      )}

      {isAdmin && step.kind === 'confirm-plan' && (
        <div className="panel" role="region" aria-labelledby="confirm-plan-heading">
          <h3 id="confirm-plan-heading">
            Change from {currentName} to {step.plan.name}?
          </h3>
          <p>{changeExplanation(step.plan, current, rank(step.plan) > rank(current), endDate, unit, step.plan.id === org.data.plan)}</p>
          <div className="row">
            <button type="button" className="primary" disabled={change.isPending} onClick={() => change.mutate(step.plan)}>
              {change.isPending ? 'Changing…' : 'Confirm change'}
            </button>
            <button type="button" disabled={change.isPending} onClick={() => (change.reset(), setStep({ kind: 'compare' }))}>
              Back to plans
            </button>
          </div>
        </div>
      )}

      {isAdmin && step.kind === 'confirm-cancel' && (
        <div className="panel" role="region" aria-labelledby="confirm-cancel-heading">
          <h3 id="confirm-cancel-heading">Cancel your subscription?</h3>
          <p>
            Plan-based billing and AI access stop at the end of the current term, on {endDate}. Until then nothing changes. Your data remains
            accessible for 30 days after cancellation so you can export it, and you can resume the subscription before the term ends.
          </p>
          <div className="row">
            <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
              {cancel.isPending ? 'Cancelling…' : 'Confirm cancellation'}
            </button>
            <button type="button" disabled={cancel.isPending} onClick={() => (cancel.reset(), setStep({ kind: 'idle' }))}>
              Keep subscription
            </button>
          </div>
        </div>
      )}

      {doneMessage && !mutationError && (
        <p className="success" role="status">
          {doneMessage}
        </p>
      )}
      {mutationError && (
        <p className="error" role="alert">
          {errorMessage(mutationError)}
        </p>
      )}
    </section>
  );
}

function statusLabel(status: string, cancelAtPeriodEnd: boolean): string {
  if (status === 'active') return cancelAtPeriodEnd ? 'Active until period end' : 'Active';
  if (status === 'past_due') return 'Past due';
  if (status === 'canceled') return 'Canceled';
  return status.replace(/_/g, ' ');
}

function changeExplanation(plan: Plan, current: Plan | undefined, upgrade: boolean, endDate: string, unit: 'month' | 'year', undo: boolean): string {
  if (undo) return `This keeps you on ${plan.name} and drops the scheduled change.`;
  const price = plan.priced_by_contract ? 'priced by your contract' : `${formatMoney(plan.base_price_cents, plan.currency)} / ${unit}`;
  if (upgrade) {
    const more = current && !plan.priced_by_contract ? plan.included_credits - current.included_credits : 0;
    return (
      `${plan.name} (${price}) applies at once` +
      (more > 0 ? `: this period's included AI credits rise by ${formatCredits(more)}` : '') +
      `, and the price difference for the rest of the period is added to your next invoice.`
    );
  }
  return `${plan.name} (${price}) takes effect at the end of the current period, on ${endDate}. Until then you keep your current plan and its credits.`;
}

// ---------------------------------------------------------------------------------------------
// Payment methods

const CARD_FIELDS = [
  { name: 'card_number', label: 'Card number' },
  { name: 'exp_month', label: 'Expiry month' },
  { name: 'exp_year', label: 'Expiry year' },
  { name: 'cvc', label: 'CVC' },
] as const;
type CardField = (typeof CARD_FIELDS)[number]['name'];
type CardForm = Record<CardField, string>;
const EMPTY_CARD: CardForm = { card_number: '', exp_month: '', exp_year: '', cvc: '' };

function checkCard(form: CardForm): Partial<Record<CardField, string>> {
  const errors: Partial<Record<CardField, string>> = {};
  const digits = form.card_number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) errors.card_number = 'Enter the 12 to 19 digits of the card number.';
  const month = Number(form.exp_month);
  if (!/^\d{1,2}$/.test(form.exp_month.trim()) || month < 1 || month > 12) errors.exp_month = 'Enter a month from 1 to 12.';
  if (!/^\d{4}$/.test(form.exp_year.trim())) errors.exp_year = 'Enter the four-digit year, e.g. 2030.';
  if (!/^\d{3,4}$/.test(form.cvc.trim())) errors.cvc = 'Enter the 3 or 4 digit security code.';
  return errors;
}

/** A server field message: a sentence as it is, a fragment ("is required") after the field's name. */
function fieldSentence(label: string, message: string): string {
  return /^[a-z]/.test(message) ? `${label} ${message}.` : message;
}

/** What removing this card changes, in a sentence: the confirmation says it before anything is removed. */
function removalConsequence(card: PaymentMethod, cards: readonly PaymentMethod[]): string {
  if (cards.length === 1) {
    return 'It is your only card. Plan renewals, open invoices and credit purchases need one: until you add another card, the next charge will fail and auto-recharge stops.';
  }
  if (card.default && cards.length === 2) return `Your other card, ${cardLabel(cards.find((other) => other.id !== card.id)!)}, becomes the default for renewals and purchases.`;
  if (card.default) return 'The card you added most recently becomes the default for renewals and purchases.';
  return 'Your default card stays as it is.';
}

function PaymentMethodsSection() {
  const { orgId, isAdmin } = useSession();
  const queryClient = useQueryClient();
  const methods = usePaymentMethods(isAdmin);
  // With Stripe configured, cards are collected by Stripe Elements; otherwise by the built-in form.
  const config = useQuery({ queryKey: ['config'], queryFn: () => api<{ payments_provider: string; stripe_publishable_key: string | null }>('GET', '/v1/config'), staleTime: Infinity });
  const stripeKey = config.data?.payments_provider === 'stripe' ? config.data.stripe_publishable_key : null;
  const [form, setForm] = useState<CardForm>(EMPTY_CARD);
  const [localErrors, setLocalErrors] = useState<Partial<Record<CardField, string>>>({});
  const [message, setMessage] = useState<string | null>(null);
  /** The card whose removal waits for a confirmation. */
  const [removing, setRemoving] = useState<PaymentMethod | null>(null);

  const add = useMutation({
    mutationFn: (card: CardForm) =>
      api<PaymentMethod>('POST', `/v1/orgs/${orgId}/payment-methods`, {
        card_number: card.card_number.replace(/[\s-]/g, ''),
        exp_month: Number(card.exp_month),
        exp_year: Number(card.exp_year),
        cvc: card.cvc.trim(),
      }),
    onSuccess: (method) => {
      setForm(EMPTY_CARD);
      setMessage(`${cardName(method)} added${method.default ? ' as your default card' : ''}.`);
    },
    onSettled: () => refreshBilling(queryClient, orgId),
  });
  const makeDefault = useMutation({
    mutationFn: (method: PaymentMethod) => api<PaymentMethod>('POST', `/v1/orgs/${orgId}/payment-methods/${encodeURIComponent(method.id)}/default`),
    onSuccess: (method) => setMessage(`${cardName(method)} is now your default card.`),
    onSettled: () => refreshBilling(queryClient, orgId),
  });
  const remove = useMutation({
    mutationFn: (method: PaymentMethod) => api('DELETE', `/v1/orgs/${orgId}/payment-methods/${encodeURIComponent(method.id)}`),
    onSuccess: (_data, method) => setMessage(`${cardName(method)} removed.`),
    onSettled: () => refreshBilling(queryClient, orgId),
  });

  if (!isAdmin) {
    return (
      <section className="card" aria-labelledby="payment-methods-heading">
        <h2 id="payment-methods-heading">Payment Methods</h2>
        <p className="muted">Only admins can see and change the organization’s cards.</p>
      </section>
    );
  }

  const serverErrors = add.error instanceof ApiError ? add.error.errors : {};
  const fieldError = (field: CardField, label: string): string | null => {
    if (localErrors[field]) return localErrors[field] ?? null;
    const server = serverErrors[field]?.[0];
    return server ? fieldSentence(label, server) : null;
  };
  const listError = makeDefault.error ?? remove.error;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    add.reset();
    const errors = checkCard(form);
    setLocalErrors(errors);
    if (Object.keys(errors).length === 0) add.mutate(form);
  };
  const hasFieldErrors = Object.keys(localErrors).length > 0 || CARD_FIELDS.some((field) => serverErrors[field.name]);

  return (
    <section className="card" aria-labelledby="payment-methods-heading">
      <h2 id="payment-methods-heading">Payment Methods</h2>
      {methods.isPending && (
        <p className="loading" role="status">
          Loading…
        </p>
      )}
      {methods.isError && (
        <p className="error" role="alert">
          The payment methods could not be loaded: {errorMessage(methods.error)}
        </p>
      )}
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
                <span className="card-actions">
                  {!method.default && (
                    <button
                      type="button"
                      disabled={makeDefault.isPending || remove.isPending}
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
                    disabled={makeDefault.isPending || remove.isPending}
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
        <div className="panel" role="region" aria-labelledby="remove-card-heading">
          <h3 id="remove-card-heading">Remove {cardLabel(removing)}?</h3>
          <p>{removalConsequence(removing, methods.data.items)}</p>
          <div className="row">
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate(removing, { onSettled: () => setRemoving(null) })}
            >
              {remove.isPending ? 'Removing…' : 'Remove card'}
            </button>
            <button type="button" disabled={remove.isPending} onClick={() => setRemoving(null)}>
              Keep card
            </button>
          </div>
        </div>
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
            setMessage(`${cardName(method)} added${method.default ? ' as your default card' : ''}.`);
            await refreshBilling(queryClient, orgId);
          }}
        />
      ) : (
        <form className="card-form" aria-labelledby="add-card-heading" noValidate onSubmit={onSubmit}>
          <h3 id="add-card-heading">Add a card</h3>
          <div className="row">
            {CARD_FIELDS.map((field) => {
              const error = fieldError(field.name, field.label);
              const id = `card-${field.name}`;
              return (
                <div key={field.name} className={`field field-${field.name}`}>
                  <label htmlFor={id}>{field.label}</label>
                  <input
                    id={id}
                    name={field.name}
                    inputMode="numeric"
                    autoComplete={{ card_number: 'cc-number', exp_month: 'cc-exp-month', exp_year: 'cc-exp-year', cvc: 'cc-csc' }[field.name]}
                    placeholder={{ card_number: '4242 4242 4242 4242', exp_month: 'MM', exp_year: 'YYYY', cvc: '123' }[field.name]}
                    maxLength={field.name === 'card_number' ? 23 : field.name === 'exp_year' ? 4 : field.name === 'exp_month' ? 2 : 4}
                    value={form[field.name]}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? `${id}-error` : undefined}
                    onChange={(event) => setForm({ ...form, [field.name]: event.target.value })}
                  />
                  {error && (
                    <span id={`${id}-error`} className="field-error" role="alert">
                      {error}
                    </span>
                  )}
                </div>
              );
            })}
            <button type="submit" className="primary" disabled={add.isPending}>
              {add.isPending ? 'Adding…' : 'Add card'}
            </button>
          </div>
          <p className="muted">Only the card’s brand, last 4 digits and expiry are stored; payments are handled by our billing partner.</p>
          {add.isError && !hasFieldErrors && (
            <p className="error" role="alert">
              {errorMessage(add.error)}
            </p>
          )}
        </form>
      )}
      {message && (
        <p className="success" role="status">
          {message}
        </p>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Invoices and billing history

function InvoiceHistorySection() {
  const { orgId } = useSession();
  const navigate = useNavigate();
  const invoices = useInfiniteQuery({
    queryKey: ['billing', orgId, 'invoices'],
    queryFn: ({ pageParam }) =>
      api<Page<InvoiceSummary>>('GET', `/v1/orgs/${orgId}/invoices?limit=25${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const history = useInfiniteQuery({
    queryKey: ['billing', orgId, 'history'],
    queryFn: ({ pageParam }) =>
      api<Page<HistoryEntry>>('GET', `/v1/orgs/${orgId}/billing-history?limit=10${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

  const rows = (invoices.data?.pages.flatMap((page) => page.items) ?? []).sort(
    (a, b) => Date.parse(b.issued_at) - Date.parse(a.issued_at) || b.number.localeCompare(a.number),
  );
  const entries = history.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section className="card" aria-labelledby="invoice-history-heading">
      <h2 id="invoice-history-heading">Invoice History</h2>
      {invoices.isPending && (
        <p className="loading" role="status">
          Loading…
        </p>
      )}
      {invoices.isError && (
        <p className="error" role="alert">
          The invoices could not be loaded: {errorMessage(invoices.error)}
        </p>
      )}
      {invoices.isSuccess && rows.length === 0 && <p className="muted">No invoices yet.</p>}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="invoices">
            <caption className="visually-hidden">Invoices, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Date</th>
                <th scope="col">Type</th>
                <th scope="col">Billing period</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((invoice) => (
                // The whole row opens the invoice; its number is the link keyboards and screen readers use.
                <tr key={invoice.id} className="clickable" onClick={() => navigate(invoicePath(invoice.id))}>
                  <td className="nowrap">
                    <Link to={invoicePath(invoice.id)} onClick={(event) => event.stopPropagation()}>
                      {invoice.number}
                    </Link>
                  </td>
                  <td className="nowrap">{formatDate(invoice.issued_at)}</td>
                  <td>{invoiceKindLabel(invoice.kind)}</td>
                  <td className="nowrap">{formatPeriod(invoice.period_start, invoice.period_end)}</td>
                  <td className="num">{formatMoney(invoice.total_cents, invoice.currency)}</td>
                  <td>
                    <span className={`tag${invoice.status === 'paid' ? ' tag-ok' : invoice.status === 'open' ? ' tag-warn' : ''}`}>{invoiceStatusLabel(invoice.status)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {invoices.hasNextPage && (
        <button type="button" disabled={invoices.isFetchingNextPage} onClick={() => void invoices.fetchNextPage()}>
          {invoices.isFetchingNextPage ? 'Loading…' : 'Show older invoices'}
        </button>
      )}

      <h3 id="billing-history-heading" className="history-heading">
        Billing history
      </h3>
      <p className="muted">Subscription charges, credit purchases and failed payments, newest first.</p>
      {history.isPending && (
        <p className="loading" role="status">
          Loading…
        </p>
      )}
      {history.isError && (
        <p className="error" role="alert">
          The billing history could not be loaded: {errorMessage(history.error)}
        </p>
      )}
      {history.isSuccess && entries.length === 0 && <p className="muted">Nothing billed yet.</p>}
      {entries.length > 0 && (
        <ul className="history" aria-labelledby="billing-history-heading">
          {entries.map((entry) => (
            <li
              key={`${entry.kind}-${entry.id}`}
              className={[entry.status === 'failed' ? 'failed' : '', entry.invoice_id ? 'clickable' : ''].join(' ').trim() || undefined}
              onClick={entry.invoice_id ? () => navigate(invoicePath(entry.invoice_id!)) : undefined}
            >
              <time dateTime={entry.occurred_at}>{formatDate(entry.occurred_at)}</time>
              <span className="history-description">
                {entry.description}
                {entry.invoice_id && entry.invoice_number && (
                  <>
                    {' · '}
                    <Link to={invoicePath(entry.invoice_id)} onClick={(event) => event.stopPropagation()}>
                      Invoice {entry.invoice_number}
                    </Link>
                  </>
                )}
              </span>
              <span className="num">{formatMoney(entry.amount_cents, entry.currency)}</span>
              <span className={`tag${historyTone(entry)}`}>{historyStatus(entry)}</span>
            </li>
          ))}
        </ul>
      )}
      {history.hasNextPage && (
        <button type="button" disabled={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()}>
          {history.isFetchingNextPage ? 'Loading…' : 'Show older entries'}
        </button>
      )}
    </section>
  );
}

const invoicePath = (id: string) => `/billing/invoices/${encodeURIComponent(id)}`;

function historyStatus(entry: HistoryEntry): string {
  if (entry.kind === 'payment_failed') return 'Failed';
  if (entry.kind === 'credit_purchase' && entry.status === 'failed') return 'Declined';
  if (entry.status === 'succeeded' || entry.status === 'paid') return 'Paid';
  if (entry.status === 'pending') return 'Pending';
  if (entry.status === 'open') return 'Open (unpaid)';
  return entry.status.charAt(0).toUpperCase() + entry.status.slice(1);
}

function historyTone(entry: HistoryEntry): string {
  if (entry.status === 'failed') return ' tag-bad';
  if (entry.status === 'succeeded' || entry.status === 'paid') return ' tag-ok';
  return ' tag-warn';
}
