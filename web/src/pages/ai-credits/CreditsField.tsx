import { useId, type Ref } from 'react';

/**
 * A whole number of credits typed into a settings form: its label, an optional help line, and the
 * sentence that says what is wrong (announced with the field, `aria-invalid` while it stands).
 */
export function CreditsField(props: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  error: string | null;
  help?: string;
  errorTestId: string;
  inputRef?: Ref<HTMLInputElement>;
}) {
  const helpId = useId();
  const errorId = useId();
  return (
    <div className="field">
      <label>
        {props.label}
        <input
          ref={props.inputRef}
          type="number"
          inputMode="numeric"
          min={0}
          step={1}
          value={props.value}
          aria-invalid={props.error !== null}
          aria-describedby={props.help ? `${helpId} ${errorId}` : errorId}
          onChange={(event) => props.onChange(event.target.value)}
        />
      </label>
      {props.help && (
        <p className="muted" id={helpId}>
          {props.help}
        </p>
      )}
      <div id={errorId}>
        {props.error && (
          <p className="error" data-testid={props.errorTestId}>
            {props.error}
          </p>
        )}
      </div>
    </div>
  );
}
