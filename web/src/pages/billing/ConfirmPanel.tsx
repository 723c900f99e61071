import type { ReactNode } from 'react';

/** What the caller decides about a confirmation: whether the change is being sent, and the two answers. */
export interface ConfirmActions {
  pending: boolean;
  onConfirm: () => void;
  onKeep: () => void;
}

/**
 * A question asked before a change is made ("Cancel your subscription?"): what the change does, then a
 * button that makes it and one that leaves things as they are. Both wait while the change is sent.
 */
export function ConfirmPanel({
  id,
  question,
  children,
  confirm,
  keep,
  danger = false,
  pending,
  onConfirm,
  onKeep,
}: ConfirmActions & {
  /** The heading's id, which names the panel. */
  id: string;
  question: string;
  children: ReactNode;
  /** The confirm button's words, idle and while pending. */
  confirm: { label: string; pendingLabel: string };
  keep: string;
  danger?: boolean;
}) {
  return (
    <div className="panel" role="region" aria-labelledby={id}>
      <h3 id={id}>{question}</h3>
      <p>{children}</p>
      <div className="row">
        <button type="button" className={danger ? 'danger' : 'primary'} disabled={pending} onClick={onConfirm}>
          {pending ? confirm.pendingLabel : confirm.label}
        </button>
        <button type="button" disabled={pending} onClick={onKeep}>
          {keep}
        </button>
      </div>
    </div>
  );
}
