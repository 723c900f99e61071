import { useId, useState, type KeyboardEvent } from 'react';
import { newMemberProblem } from './limits-draft.js';

/**
 * Adds a person who is not in the table yet (no AI credits this period) by their user ID, as a new
 * row with a limit of their own to fill in. Inside the page's form, so not a form itself: Enter adds.
 */
export function AddMemberLimit({ listed, onAdd }: { listed: ReadonlyMap<string, string>; onAdd(userId: string): void }) {
  const helpId = useId();
  const problemId = useId();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const add = () => {
    const found = newMemberProblem(text, listed);
    setProblem(found);
    if (found) return;
    onAdd(text.trim());
    setText('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    add();
  };

  return (
    <div className="add-member">
      <div className="row">
        <label>
          User ID
          <input
            type="text"
            value={text}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={problem !== null}
            aria-describedby={problem ? `${helpId} ${problemId}` : helpId}
            onChange={(event) => {
              setText(event.target.value);
              setProblem(null);
            }}
            onKeyDown={onKeyDown}
          />
        </label>
        <button type="button" onClick={add}>
          Add a member
        </button>
      </div>
      <p className="muted" id={helpId}>
        To limit someone who has not used AI this period, enter their user ID (the ID shown under each name in the table).
      </p>
      {problem && (
        <p className="error" id={problemId} role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
