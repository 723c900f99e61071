import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { keys } from '../../queries.js';
import type { MemberUsage, UserLimits } from '../../types.js';
import { AddMemberLimit } from './AddMemberLimit.js';
import { DefaultLimitFields } from './DefaultLimitFields.js';
import { creditsProblem, defaultChoiceLabel, draftFrom, limitsBody, refusedLimits, type LimitsDraft, type MemberDraft } from './limits-draft.js';
import { displayName, MemberLimitsTable, type MemberRow } from './MemberLimitsTable.js';

/**
 * The default limit and each person's limit, saved together: the API replaces the default and every
 * limit of their own at once, so the form sends the whole of it.
 */
export function MemberLimitsForm({ limits, usage }: { limits: UserLimits; usage: readonly MemberUsage[] }) {
  const { orgId } = useSession();
  const queryClient = useQueryClient();
  const membersHeadingId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<LimitsDraft>(() => draftFrom(limits));
  /** People added by user ID since the last save, in the order they were added. */
  const [added, setAdded] = useState<readonly string[]>([]);
  const [focusUserId, setFocusUserId] = useState<string | null>(null);
  const [tried, setTried] = useState(false);
  const [focusProblem, setFocusProblem] = useState(0);
  /** Saves so far: the add field starts afresh after each, its sentence about the table before it gone. */
  const [saves, setSaves] = useState(0);

  const save = useMutation({
    mutationFn: (body: UserLimits) => api<UserLimits>('PUT', `/v1/orgs/${orgId}/settings/user-limits`, body),
    onSuccess: async (saved) => {
      queryClient.setQueryData(keys.userLimits(orgId), saved);
      await queryClient.invalidateQueries({ queryKey: keys.memberUsage(orgId) });
      setDraft(draftFrom(saved));
      setAdded([]);
      setTried(false);
      setSaves((count) => count + 1);
    },
  });

  const rows = tableRows({ usage, limits, drafted: [...Object.keys(draft.members), ...added] });
  const refused = refusedLimits(save.error);
  const defaultProblem = (tried ? creditsProblem(draft.defaultLimit) : null) ?? refused.defaultLimit;
  const memberProblems = new Map(refused.members);
  if (tried) {
    for (const [userId, member] of Object.entries(draft.members)) {
      const problem = creditsProblem(member);
      if (problem) memberProblems.set(userId, problem);
    }
  }
  const fieldsRefused = defaultProblem !== null || memberProblems.size > 0;

  useEffect(() => {
    if (focusProblem > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusProblem]);

  const edit = (next: LimitsDraft) => {
    setDraft(next);
    setFocusUserId(null);
    if (!save.isPending) save.reset();
  };
  const changeMember = (userId: string, member: MemberDraft) => edit({ ...draft, members: { ...draft.members, [userId]: member } });
  const addMember = (userId: string) => {
    changeMember(userId, { choice: 'credits', text: draft.defaultLimit.choice === 'credits' ? draft.defaultLimit.text : '' });
    setAdded([...added, userId]);
    setFocusUserId(userId);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (save.isPending) return;
    setTried(true);
    const body = limitsBody(draft);
    if (body === null) {
      setFocusProblem((count) => count + 1);
      return;
    }
    save.mutate(body, { onError: () => setFocusProblem((count) => count + 1) });
  };

  return (
    <form ref={formRef} noValidate onSubmit={submit}>
      <section className="card">
        <DefaultLimitFields draft={draft.defaultLimit} problem={defaultProblem} onChange={(defaultLimit) => edit({ ...draft, defaultLimit })} />
      </section>
      <section className="card" aria-labelledby={membersHeadingId}>
        <h2 id={membersHeadingId}>Members</h2>
        <p className="muted">
          Everyone who has used AI credits this period, and everyone with a limit of their own. Choose a custom limit or “No limit” to
          treat someone differently; choose the default to remove their own limit.
        </p>
        <MemberLimitsTable
          rows={rows}
          drafts={draft.members}
          problems={memberProblems}
          defaultLabel={defaultChoiceLabel(draft.defaultLimit)}
          focusUserId={focusUserId}
          onChange={changeMember}
        />
        <AddMemberLimit key={saves} listed={new Map(rows.map((row) => [row.userId, displayName(row)]))} onAdd={addMember} />
      </section>
      <div className="save-limits">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save limits'}
        </button>
        <p className="success" role="status">
          {save.isSuccess ? 'Member limits saved. They apply to the next AI action of each member.' : ''}
        </p>
      </div>
      {(refused.form || (tried && fieldsRefused)) && (
        <p className="error" role="alert">
          {refused.form ?? 'The limits were not saved: correct the numbers marked above.'}
        </p>
      )}
    </form>
  );
}

/**
 * The table's rows: the people the API lists (credits this period, most first), then those in the
 * form it did not list (a limit of their own saved meanwhile, or added since the last save), with
 * the limit saved for them now.
 */
function tableRows({ usage, limits, drafted }: { usage: readonly MemberUsage[]; limits: UserLimits; drafted: readonly string[] }): MemberRow[] {
  const rows: MemberRow[] = usage.map((item) => ({
    userId: item.user_id,
    userName: item.user_name,
    creditsThisPeriod: item.credits_this_period,
    savedLimit: item.monthly_limit_credits,
  }));
  const listed = new Set(rows.map((row) => row.userId));
  for (const userId of drafted) {
    if (listed.has(userId)) continue;
    listed.add(userId);
    const own = limits.overrides[userId];
    rows.push({ userId, userName: null, creditsThisPeriod: 0, savedLimit: own === undefined ? limits.default_monthly_credits : own });
  }
  return rows;
}
