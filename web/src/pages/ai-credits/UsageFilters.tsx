import { useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { LoadFailed } from '../../components/Status.js';
import { keys, useAiFeatures } from '../../queries.js';
import type { Member } from '../../types.js';
import { moduleLabel } from './labels.js';
import { hasFilters, NO_FILTERS, type UsageFilterInputs } from './usage-filters.js';

/**
 * The usage history's filters: dates, user (admins; a member sees only their own), feature and action.
 * `ownUsageNoteId` names the note that tells a member so.
 */
export function UsageFilters({
  inputs,
  onChange,
  ownUsageNoteId,
}: {
  inputs: UsageFilterInputs;
  onChange: (inputs: UsageFilterInputs) => void;
  ownUsageNoteId: string;
}) {
  const { orgId, isAdmin, me } = useSession();
  const features = useAiFeatures(orgId);
  const members = useQuery({
    queryKey: keys.members(orgId),
    queryFn: () => api<{ items: Member[] }>('GET', `/v1/orgs/${orgId}/members`),
    enabled: isAdmin,
  });
  const set = (change: Partial<UsageFilterInputs>) => onChange({ ...inputs, ...change });

  return (
    <>
      <form className="row usage-filters" role="search" aria-label="Usage filters" onSubmit={(event: FormEvent) => event.preventDefault()}>
        <label>
          From
          <input type="date" value={inputs.from} max={inputs.to || undefined} onChange={(event) => set({ from: event.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={inputs.to} min={inputs.from || undefined} onChange={(event) => set({ to: event.target.value })} />
        </label>
        <label>
          User
          {isAdmin ? (
            <select value={inputs.userId} onChange={(event) => set({ userId: event.target.value })}>
              <option value="">All users</option>
              {members.data?.items.map((member) => (
                <option key={member.user_id} value={member.user_id}>
                  {member.name}
                </option>
              ))}
            </select>
          ) : (
            <select value="" disabled aria-describedby={ownUsageNoteId}>
              <option value="">{me.user.name}</option>
            </select>
          )}
        </label>
        <label>
          Feature
          <select value={inputs.feature} onChange={(event) => set({ feature: event.target.value })}>
            <option value="">All features</option>
            {Object.keys(features.data?.modules ?? {}).map((module) => (
              <option key={module} value={module}>
                {moduleLabel(module)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action
          <input
            type="search"
            value={inputs.actionText}
            placeholder="e.g. chat"
            maxLength={200}
            onChange={(event) => set({ actionText: event.target.value })}
          />
        </label>
        {hasFilters(inputs) && (
          <button type="button" onClick={() => onChange(NO_FILTERS)}>
            Clear filters
          </button>
        )}
      </form>
      {!isAdmin && (
        <p className="muted" id={ownUsageNoteId}>
          Members see their own usage.
        </p>
      )}
      {features.isError && <LoadFailed error={features.error} what="The feature list" />}
      {members.isError && <LoadFailed error={members.error} what="The member list" />}
    </>
  );
}
