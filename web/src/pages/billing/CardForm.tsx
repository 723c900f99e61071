import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, errorMessage } from '../../api.js';
import { refreshAfterMoneyChange } from '../../queries.js';
import type { PaymentMethod } from '../../types.js';

const CARD_FIELDS = [
  { name: 'card_number', label: 'Card number', autoComplete: 'cc-number', placeholder: '4242 4242 4242 4242', maxLength: 23 },
  { name: 'exp_month', label: 'Expiry month', autoComplete: 'cc-exp-month', placeholder: 'MM', maxLength: 2 },
  { name: 'exp_year', label: 'Expiry year', autoComplete: 'cc-exp-year', placeholder: 'YYYY', maxLength: 4 },
  { name: 'cvc', label: 'CVC', autoComplete: 'cc-csc', placeholder: '123', maxLength: 4 },
] as const;
type CardField = (typeof CARD_FIELDS)[number]['name'];
type CardFields = Record<CardField, string>;
type CardErrors = Partial<Record<CardField, string>>;
const EMPTY_CARD: CardFields = { card_number: '', exp_month: '', exp_year: '', cvc: '' };

/** Every field's mistake at once, found before anything is sent. */
function checkCard(form: CardFields): CardErrors {
  const errors: CardErrors = {};
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

/**
 * The built-in provider's "Add a card" form (with Stripe, Stripe Elements collects the card instead).
 * `onStart` runs when a card is sent, `onAdded` when the server saved it.
 */
export function CardForm({ orgId, onStart, onAdded }: { orgId: string; onStart: () => void; onAdded: (method: PaymentMethod) => void }) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState<CardFields>(EMPTY_CARD);
  const [localErrors, setLocalErrors] = useState<CardErrors>({});
  const add = useMutation({
    mutationFn: (card: CardFields) =>
      api<PaymentMethod>('POST', `/v1/orgs/${orgId}/payment-methods`, {
        card_number: card.card_number.replace(/[\s-]/g, ''),
        exp_month: Number(card.exp_month),
        exp_year: Number(card.exp_year),
        cvc: card.cvc.trim(),
      }),
    onSuccess: (method) => {
      setForm(EMPTY_CARD);
      onAdded(method);
    },
    onSettled: () => refreshAfterMoneyChange(queryClient, orgId),
  });

  const serverErrors = add.error instanceof ApiError ? add.error.errors : {};
  const fieldError = (field: CardField, label: string): string | null => {
    if (localErrors[field]) return localErrors[field] ?? null;
    const server = serverErrors[field]?.[0];
    return server ? fieldSentence(label, server) : null;
  };
  const hasFieldErrors = Object.keys(localErrors).length > 0 || CARD_FIELDS.some((field) => serverErrors[field.name]);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    onStart();
    add.reset();
    const errors = checkCard(form);
    setLocalErrors(errors);
    if (Object.keys(errors).length === 0) add.mutate(form);
  };

  return (
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
                autoComplete={field.autoComplete}
                placeholder={field.placeholder}
                maxLength={field.maxLength}
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
  );
}
