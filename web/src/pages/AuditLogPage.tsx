import { useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import { useSession } from '../auth.js';
import { LoadFailed, Loading } from '../components/Status.js';
import { ScrollRegion } from '../components/ScrollRegion.js';
import { ShowOlderButton } from '../components/ShowOlderButton.js';
import { dayBoundary, formatDateTime } from '../format.js';
import { keys, usePagedList, usePlans } from '../queries.js';
import type { AuditEntry, AuditLogPage, Member } from '../types.js';
import { AUDIT_AREAS, describeEntry, type Names } from './audit-log/describe-entry.js';

const PAGE_SIZE = 50;

interface Filters {
  readonly from: string;
  readonly to: string;
  readonly actor: string;
  readonly area: string;
}

const NO_FILTERS: Filters = { from: '', to: '', actor: '', area: '' };

/** The filters as the audit log API (and its CSV) takes them, or why they cannot be sent. */
function filterQuery(filters: Filters): { query: string; rangeError: string | null } {
  const params = new URLSearchParams();
  const from = filters.from ? dayBoundary(filters.from, false) : null;
  const to = filters.to ? dayBoundary(filters.to, true) : null;
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  if (filters.actor) params.set('actor', filters.actor);
  if (filters.area) params.set('action', filters.area);
  return { query: params.toString(), rangeError: from && to && from >= to ? '“From” must be on or before “To”.' : null };
}

/**
 * Admin Settings > Audit log: every change of money or access in the organization — who made it
 * (a person, the host app's API key, or Loupe Factory itself), when, from where, and what changed —
 * newest first, filtered, and downloadable as CSV. Admins only; entries cannot be edited or deleted.
 */
export function AuditLogPage() {
  const { isAdmin } = useSession();
  return (
    <div className="audit-log">
      <h1>Audit log</h1>
      <p className="lead">
        Every change to billing, credits, settings and access in your organization is recorded here: who made it, when, and what changed.
        Entries are kept for the life of the organization and cannot be edited or deleted.
      </p>
      {isAdmin ? <AuditLog /> : <p className="card muted">Only admins can read the audit log.</p>}
    </div>
  );
}

function AuditLog() {
  const { orgId } = useSession();
  const headingId = useId();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const { query, rangeError } = filterQuery(filters);
  const plans = usePlans();
  const members = useQuery({ queryKey: keys.members(orgId), queryFn: () => api<{ items: Member[] }>('GET', `/v1/orgs/${orgId}/members`) });
  const log = usePagedList<AuditLogPage>({ queryKey: keys.auditLog(orgId, query), path: `/v1/orgs/${orgId}/audit-log${query ? `?${query}` : ''}`, limit: PAGE_SIZE });
  const names: Names = {
    plan: (id) => plans.data?.items.find((plan) => plan.id === id)?.name ?? id,
    person: (userId) => members.data?.items.find((member) => member.user_id === userId)?.name ?? null,
  };
  const set = (change: Partial<Filters>) => setFilters({ ...filters, ...change });
  const entries = log.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="section-head">
        <h2 id={headingId}>Changes</h2>
        <a href={`/v1/orgs/${orgId}/audit-log.csv${query ? `?${query}` : ''}`} download="audit-log.csv" className="button-link">
          Export CSV
        </a>
      </div>
      <form className="row audit-filters" role="search" aria-label="Audit log filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          From
          <input type="date" value={filters.from} max={filters.to || undefined} onChange={(event) => set({ from: event.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={filters.to} min={filters.from || undefined} onChange={(event) => set({ to: event.target.value })} />
        </label>
        <label>
          Person
          <select value={filters.actor} onChange={(event) => set({ actor: event.target.value })}>
            <option value="">Anyone</option>
            {members.data?.items.map((member) => (
              <option key={member.user_id} value={member.user_id}>
                {member.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind of change
          <select value={filters.area} onChange={(event) => set({ area: event.target.value })}>
            <option value="">All changes</option>
            {AUDIT_AREAS.map((area) => (
              <option key={area.value} value={area.value}>
                {area.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {rangeError ? (
        <p className="error" role="alert">
          {rangeError}
        </p>
      ) : log.isPending ? (
        <Loading />
      ) : log.isError ? (
        <LoadFailed error={log.error} what="The audit log" />
      ) : entries.length === 0 ? (
        <p className="muted">No changes match these filters.</p>
      ) : (
        <>
          <ScrollRegion label="Audit log entries">
            <table className="audit-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <AuditRow key={entry.id} entry={entry} names={names} />
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          <ShowOlderButton list={log} label="Show older changes" />
        </>
      )}
    </section>
  );
}

function AuditRow({ entry, names }: { entry: AuditEntry; names: Names }) {
  const words = describeEntry(entry, names);
  return (
    <tr>
      <td className="when">{formatDateTime(entry.at)}</td>
      <td className="who">{words.who}</td>
      <td className="what">
        {words.what}
        {words.changes.length > 0 && (
          <ul className="changes">
            {words.changes.map((change) => (
              <li key={change}>{change}</li>
            ))}
          </ul>
        )}
      </td>
      <td className="from" title={entry.user_agent}>
        {entry.ip ? (
          <>
            <span className="narrow-only">From </span>
            {entry.ip}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
