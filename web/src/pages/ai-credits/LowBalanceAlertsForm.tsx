import { useId, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../../api.js';
import { useSession } from '../../auth.js';
import { keys } from '../../queries.js';
import type { NotificationSettings } from '../../types.js';
import { emailsProblem, MAX_ALERT_EMAILS, MAX_LOW_BALANCE_THRESHOLD, refusedFields, splitEmails, wholeCredits } from './settings-fields.js';
import { CreditsField } from './CreditsField.js';

/** The threshold and the extra addresses, checked as typed and saved together. */
export function LowBalanceAlertsForm({ initial }: { initial: NotificationSettings }) {
  const { orgId } = useSession();
  const queryClient = useQueryClient();
  const emailsHelpId = useId();
  const emailsErrorId = useId();
  const [thresholdText, setThresholdText] = useState(String(initial.low_balance_threshold));
  const [emailsText, setEmailsText] = useState(initial.emails.join('\n'));
  const [tried, setTried] = useState(false);
  const thresholdField = useRef<HTMLInputElement>(null);
  const emailsField = useRef<HTMLTextAreaElement>(null);

  const threshold = wholeCredits(thresholdText, { min: 0, max: MAX_LOW_BALANCE_THRESHOLD });
  const emails = splitEmails(emailsText);
  const save = useMutation({
    mutationFn: (body: NotificationSettings) => api<NotificationSettings>('PUT', `/v1/orgs/${orgId}/settings/notifications`, body),
    onSuccess: (saved) => {
      queryClient.setQueryData(keys.settings(orgId, 'notifications'), saved);
      setThresholdText(String(saved.low_balance_threshold));
      setEmailsText(saved.emails.join('\n'));
      // The balance's "low" mark follows the threshold.
      void queryClient.invalidateQueries({ queryKey: keys.balance(orgId) });
    },
  });
  const refused = refusedFields(save.error, {
    low_balance_threshold: `Enter a whole number of credits from 0 to ${MAX_LOW_BALANCE_THRESHOLD.toLocaleString('en-US')}.`,
    emails: 'One of these addresses was not accepted. Check each one, or remove it.',
  });
  // Shown once the form was sent, and from then on as the fields are corrected.
  const thresholdError = (tried && 'problem' in threshold ? threshold.problem : null) ?? refused.low_balance_threshold ?? null;
  const emailsError = (tried ? emailsProblem(emails) : null) ?? refused.emails ?? null;
  const otherError = save.isError && Object.keys(refused).length === 0 ? errorMessage(save.error) : null;

  const edit = () => {
    if (!save.isPending) save.reset();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    // The first field to correct takes the focus, where its sentence is read out.
    if (!('credits' in threshold)) return thresholdField.current?.focus();
    if (emailsProblem(emails) !== null) return emailsField.current?.focus();
    if (save.isPending) return;
    save.mutate({ low_balance_threshold: threshold.credits, emails });
  };

  return (
    <form className="settings-form" noValidate onSubmit={submit}>
      <CreditsField
        label="Alert when credits fall below"
        value={thresholdText}
        help="Use 0 to turn the alerts off."
        error={thresholdError}
        errorTestId="alert-threshold-error"
        inputRef={thresholdField}
        onChange={(text) => {
          setThresholdText(text);
          edit();
        }}
      />
      <label>
        Alert e-mail addresses
        <textarea
          ref={emailsField}
          rows={3}
          value={emailsText}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={emailsError !== null}
          aria-describedby={`${emailsHelpId} ${emailsErrorId}`}
          onChange={(event) => {
            setEmailsText(event.target.value);
            edit();
          }}
        />
      </label>
      <p className="muted" id={emailsHelpId}>
        One address per line, up to {MAX_ALERT_EMAILS}. Admins are always alerted.
      </p>
      <div id={emailsErrorId}>
        {emailsError && (
          <p className="error" data-testid="alert-emails-error">
            {emailsError}
          </p>
        )}
      </div>
      <button type="submit" className="primary" disabled={save.isPending}>
        {save.isPending ? 'Saving…' : 'Save alerts'}
      </button>
      {save.isSuccess && (
        <p className="success" role="status">
          Low-balance alerts saved.
        </p>
      )}
      {otherError && (
        <p className="error" role="alert">
          The alerts could not be saved: {otherError}
        </p>
      )}
    </form>
  );
}
