import { useId } from 'react';
import { formatCredits } from '../../format.js';
import { UsageBar, usageLevel } from '../../components/UsageBar.js';
import type { MemberDraft, MemberLimitChoice } from './limits-draft.js';

/** One person in the table: who, their credits this period, and the limit saved for them now. */
export interface MemberRow {
  readonly userId: string;
  readonly userName: string | null;
  readonly creditsThisPeriod: number;
  /** The limit that applies now (their own, or the default); null = no limit. */
  readonly savedLimit: number | null;
}

export const displayName = (row: Pick<MemberRow, 'userId' | 'userName'>) => row.userName ?? row.userId;

const CHOICE_LABELS: Record<Exclude<MemberLimitChoice, 'default'>, string> = { none: 'No limit', credits: 'Custom limit' };

/** Each person's credits this period against their limit, and their limit to edit in place. */
export function MemberLimitsTable(props: {
  rows: readonly MemberRow[];
  drafts: Readonly<Record<string, MemberDraft>>;
  problems: ReadonlyMap<string, string>;
  defaultLabel: string;
  /** The row just added: its field takes the focus. */
  focusUserId: string | null;
  onChange(userId: string, next: MemberDraft): void;
}) {
  if (props.rows.length === 0) {
    return <p className="muted">No one has used AI credits this period, and no one has a limit of their own yet.</p>;
  }
  return (
    <table className="member-limits-table">
      <thead>
        <tr>
          <th scope="col">Member</th>
          <th scope="col">Credits this period</th>
          <th scope="col">Monthly limit</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <MemberLimitRow
            key={row.userId}
            row={row}
            draft={props.drafts[row.userId] ?? { choice: 'default', text: '' }}
            problem={props.problems.get(row.userId) ?? null}
            defaultLabel={props.defaultLabel}
            focus={props.focusUserId === row.userId}
            onChange={(next) => props.onChange(row.userId, next)}
          />
        ))}
      </tbody>
    </table>
  );
}

function MemberLimitRow({ row, draft, problem, defaultLabel, focus, onChange }: {
  row: MemberRow;
  draft: MemberDraft;
  problem: string | null;
  defaultLabel: string;
  focus: boolean;
  onChange(next: MemberDraft): void;
}) {
  const problemId = useId();
  const name = displayName(row);
  return (
    <tr>
      <th scope="row" className="member">
        <span className="member-name">{name}</span>
        {row.userName !== null && <span className="muted member-id">{row.userId}</span>}
      </th>
      <td className="credits">
        <CreditsAgainstLimit used={row.creditsThisPeriod} limit={row.savedLimit} />
      </td>
      <td className="limit">
        <div className="limit-fields">
          <select
            aria-label={`Monthly limit for ${name}`}
            value={draft.choice}
            autoFocus={focus && draft.choice !== 'credits'}
            onChange={(event) => onChange({ ...draft, choice: event.target.value as MemberLimitChoice })}
          >
            <option value="default">{defaultLabel}</option>
            <option value="none">{CHOICE_LABELS.none}</option>
            <option value="credits">{CHOICE_LABELS.credits}</option>
          </select>
          {draft.choice === 'credits' && (
            <input
              type="number"
              inputMode="numeric"
              min={0}
              step={1}
              aria-label={`Monthly credits for ${name}`}
              value={draft.text}
              autoFocus={focus}
              aria-invalid={problem !== null}
              aria-describedby={problem ? problemId : undefined}
              onChange={(event) => onChange({ ...draft, text: event.target.value })}
            />
          )}
        </div>
        {problem && (
          <p className="error" id={problemId}>
            {problem}
          </p>
        )}
      </td>
    </tr>
  );
}

/** "320 of 500" over a bar, "Limit reached" at the limit; "320" and "No limit" without one. */
function CreditsAgainstLimit({ used, limit }: { used: number; limit: number | null }) {
  if (limit === null) {
    return (
      <>
        <span className="figure">{formatCredits(used)}</span>
        <span className="muted"> · No limit</span>
      </>
    );
  }
  return (
    <>
      <span className="figure">
        {formatCredits(used)} of {formatCredits(limit)}
      </span>
      {usageLevel(used, limit) === 'reached' && <span className="reached"> · Limit reached</span>}
      <UsageBar used={used} limit={limit} />
    </>
  );
}
