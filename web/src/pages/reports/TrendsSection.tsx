import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, errorMessage } from '../../api.js';
import { useSession } from '../../auth.js';
import { Loading } from '../../components/Status.js';
import { keys } from '../../queries.js';
import type { UsageSummary, UsageTrends } from '../../types.js';
import { dayInput, lastInstant, previousPeriod, rangeFromDays, type RangeChoice, type ReportRange } from './report-range.js';
import { downloadCsv, trendsCsv, trendsCsvName } from './trends-csv.js';
import { TrendsChart } from './TrendsChart.js';

/** The groupings this page offers (the API also groups by action). */
type GroupBy = 'feature' | 'user';
type Interval = UsageTrends['interval'];

/**
 * AI usage trends over a range: this period (the default), the last one, or days typed; grouped by
 * feature or user, per day or week; and the chart's data as CSV.
 */
export function TrendsSection({ period }: { period: UsageSummary['period'] | undefined }) {
  const { orgId } = useSession();
  const [groupBy, setGroupBy] = useState<GroupBy>('feature');
  const [interval, setIntervalChoice] = useState<Interval>('day');
  const [choice, setChoice] = useState<RangeChoice>('this-period');
  const [typed, setTyped] = useState({ from: '', to: '' });

  // The range of a quick choice needs the current period; this period is also the API's default.
  const chosen: { range: ReportRange | null } | { problem: string } =
    choice === 'custom'
      ? rangeFromDays(typed.from, typed.to, interval)
      : { range: period ? (choice === 'this-period' ? { from: period.start, to: period.end } : previousPeriod(period)) : null };
  const range = 'range' in chosen ? chosen.range : null;
  const problem = 'problem' in chosen ? chosen.problem : null;
  const shownDays = choice === 'custom' ? typed : range ? { from: dayInput(range.from), to: dayInput(lastInstant(range.to)) } : { from: '', to: '' };

  const params = new URLSearchParams({ group_by: groupBy, interval });
  if (range && choice !== 'this-period') {
    params.set('from', range.from);
    params.set('to', range.to);
  }
  const query = params.toString();
  const trends = useQuery({
    queryKey: keys.usageTrends(orgId, query),
    queryFn: () => api<UsageTrends>('GET', `/v1/orgs/${orgId}/usage/trends?${query}`),
    enabled: problem === null && (choice === 'this-period' || range !== null),
    placeholderData: keepPreviousData,
  });

  const typeDay = (which: 'from' | 'to', value: string) => {
    setTyped({ ...shownDays, [which]: value });
    setChoice('custom');
  };

  return (
    <section className="card" aria-labelledby="reports-trends-heading">
      <div className="reports-head">
        <h2 id="reports-trends-heading">AI usage trends</h2>
        <button type="button" disabled={!trends.data || problem !== null} onClick={() => trends.data && downloadCsv(trendsCsvName(trends.data), trendsCsv(trends.data))}>
          Export data (CSV)
        </button>
      </div>
      <div className="reports-toolbar">
        <div className="reports-toggle" role="group" aria-label="Range">
          <button type="button" aria-pressed={choice === 'this-period'} onClick={() => setChoice('this-period')}>
            This period
          </button>
          <button type="button" aria-pressed={choice === 'last-period'} disabled={!period} onClick={() => setChoice('last-period')}>
            Last period
          </button>
        </div>
        <div className="reports-toggle" role="group" aria-label="Group by">
          <button type="button" aria-pressed={groupBy === 'feature'} onClick={() => setGroupBy('feature')}>
            By feature
          </button>
          <button type="button" aria-pressed={groupBy === 'user'} onClick={() => setGroupBy('user')}>
            By user
          </button>
        </div>
        <div className="reports-toggle" role="group" aria-label="Interval">
          <button type="button" aria-pressed={interval === 'day'} onClick={() => setIntervalChoice('day')}>
            Daily
          </button>
          <button type="button" aria-pressed={interval === 'week'} onClick={() => setIntervalChoice('week')}>
            Weekly
          </button>
        </div>
      </div>
      <div className="row reports-range" role="group" aria-label="Dates (UTC)">
        <label>
          From
          <input type="date" value={shownDays.from} max={shownDays.to || undefined} onChange={(event) => typeDay('from', event.target.value)} />
        </label>
        <label>
          To
          <input type="date" value={shownDays.to} min={shownDays.from || undefined} onChange={(event) => typeDay('to', event.target.value)} />
        </label>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {trends.isLoading && <Loading />}
      {trends.isError && (
        <p className="error" role="alert">
          The usage trends could not be loaded: {errorMessage(trends.error)}
        </p>
      )}
      {trends.data && problem === null && <TrendsChart trends={trends.data} updating={trends.isPlaceholderData} />}
    </section>
  );
}
