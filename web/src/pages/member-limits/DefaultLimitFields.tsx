import { useId } from 'react';
import type { DefaultDraft } from './limits-draft.js';

/** The default limit: "No limit", or a number of credits each member may use in a billing period. */
export function DefaultLimitFields({ draft, problem, onChange }: { draft: DefaultDraft; problem: string | null; onChange(next: DefaultDraft): void }) {
  const name = useId();
  const helpId = useId();
  const problemId = useId();
  return (
    <fieldset className="default-limit" aria-describedby={helpId}>
      <legend>Default limit</legend>
      <p className="muted" id={helpId}>
        Applies to everyone in your organization who has no limit of their own.
      </p>
      <label className="choice">
        <input type="radio" name={name} checked={draft.choice === 'none'} onChange={() => onChange({ ...draft, choice: 'none' })} />
        No limit
      </label>
      <label className="choice">
        <input type="radio" name={name} checked={draft.choice === 'credits'} onChange={() => onChange({ ...draft, choice: 'credits' })} />
        A monthly limit for each member
      </label>
      {draft.choice === 'credits' && (
        <label className="credits-field">
          Monthly credits per member
          <input
            type="number"
            inputMode="numeric"
            min={0}
            step={1}
            value={draft.text}
            aria-invalid={problem !== null}
            aria-describedby={problem ? problemId : undefined}
            onChange={(event) => onChange({ ...draft, text: event.target.value })}
          />
        </label>
      )}
      {problem && (
        <p className="error" id={problemId}>
          {problem}
        </p>
      )}
    </fieldset>
  );
}
