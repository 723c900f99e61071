import { useId, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { keys } from '../../queries.js';
import type { UsagePage } from '../../types.js';
import { NO_FILTERS, usageFilters, type UsageFilterInputs } from './usage-filters.js';
import { UsageFilters } from './UsageFilters.js';
import { UsageTable } from './UsageTable.js';
import { useDebounced } from './use-debounced.js';

const PAGE_SIZE = 25;

/** The org's AI usage (a member's own), filtered, a page at a time, with the same filters in Export CSV. */
export function UsageHistorySection() {
  const { orgId, isAdmin } = useSession();
  const headingId = useId();
  const [inputs, setInputs] = useState<UsageFilterInputs>(NO_FILTERS);
  const action = useDebounced(inputs.actionText.trim(), 350);
  const { query: filters, rangeError } = usageFilters({ inputs, action, isAdmin });

  // The cursors of the pages up to this one (null = the first page), for the filters they belong
  // to: new filters start again from the first page.
  const [paging, setPaging] = useState<{ filters: string; cursors: (string | null)[] }>({ filters, cursors: [null] });
  const cursors = paging.filters === filters ? paging.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;

  const usage = useQuery({
    queryKey: keys.usagePage(orgId, filters, cursor),
    queryFn: () => {
      const params = new URLSearchParams(filters);
      params.set('limit', String(PAGE_SIZE));
      if (cursor) params.set('cursor', cursor);
      return api<UsagePage>('GET', `/v1/orgs/${orgId}/usage?${params.toString()}`);
    },
    enabled: !rangeError,
    placeholderData: keepPreviousData,
  });

  const exportHref = `/v1/orgs/${orgId}/usage.csv${filters ? `?${filters}` : ''}`;
  const pageNumber = cursors.length;
  const nextCursor = usage.data?.next_cursor ?? null;

  return (
    // Not named after its heading: "history" would make getByLabel('To') match the section.
    <section className="card">
      <div className="section-head">
        <h2 id={headingId}>Usage history</h2>
        <a href={exportHref} download="usage.csv" className="button-link">
          Export CSV
        </a>
      </div>
      <UsageFilters inputs={inputs} onChange={setInputs} ownUsageNoteId={`${headingId}-own`} />
      {rangeError ? (
        <p className="error" role="alert">
          {rangeError}
        </p>
      ) : usage.isPending ? (
        <Loading />
      ) : usage.isError ? (
        <LoadFailed error={usage.error} what="The usage history" />
      ) : (
        <>
          <UsageTable items={usage.data.items} busy={usage.isFetching} />
          <nav className="pager" aria-label="Usage pages">
            <button type="button" disabled={pageNumber <= 1} onClick={() => setPaging({ filters, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors })}>
              Previous page
            </button>
            <span className="muted">Page {pageNumber}</span>
            <button
              type="button"
              disabled={!nextCursor || usage.isPlaceholderData}
              onClick={() => nextCursor && setPaging({ filters, cursors: [...cursors, nextCursor] })}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
