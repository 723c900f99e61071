import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import { api, errorMessage } from '../api.js';
import { useSession } from '../auth.js';
import { formatCredits, formatDate } from '../format.js';
import { keys } from '../queries.js';
import type { UsageSummary, UsageTrends } from '../types.js';
import { ScrollRegion } from '../components/ScrollRegion.js';

/** The groupings this page offers (the API also groups by action). */
type GroupBy = 'feature' | 'user';
type Interval = UsageTrends['interval'];

/** Distinct, colour-blind-friendly hues (Okabe–Ito, then Tableau). */
const COLORS = ['#2454c7', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7f6a00', '#6a3d9a', '#8c564b', '#17becf', '#7f7f7f'];
/** Each AI module keeps its colour whoever looks and however the ranking falls. */
const FEATURE_COLORS: Record<string, string> = { assistant: COLORS[0]!, reports: COLORS[1]!, documents: COLORS[2]!, inspections: COLORS[3]!, analytics: COLORS[4]! };
const OTHERS_COLOR = '#9aa5b1';

function seriesColor(groupBy: UsageTrends['group_by'], key: string | null, index: number): string {
  if (key === null) return OTHERS_COLOR;
  if (groupBy === 'feature') return FEATURE_COLORS[key] ?? COLORS[(index + 5) % COLORS.length]!;
  return COLORS[index % COLORS.length]!;
}

const shortDay = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** "assistant" → "Assistant" (the module names of AI Features). */
function featureName(feature: string): string {
  return feature.charAt(0).toUpperCase() + feature.slice(1);
}

function seriesName(groupBy: UsageTrends['group_by'], series: { key: string | null; label: string }): string {
  if (series.key === null) return series.label;
  return groupBy === 'feature' ? featureName(series.label) : series.label;
}

/** Reporting & Analytics: AI usage trends over the current period, totals, top users and features, forecast. */
export function ReportsPage() {
  const { orgId } = useSession();
  const [groupBy, setGroupBy] = useState<GroupBy>('feature');
  const [interval, setIntervalChoice] = useState<Interval>('day');
  const summary = useQuery({
    queryKey: keys.usageSummary(orgId),
    queryFn: () => api<UsageSummary>('GET', `/v1/orgs/${orgId}/usage/summary?top=5`),
  });
  const trends = useQuery({
    queryKey: keys.usageTrends(orgId, groupBy, interval),
    queryFn: () => api<UsageTrends>('GET', `/v1/orgs/${orgId}/usage/trends?${new URLSearchParams({ group_by: groupBy, interval })}`),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <h1>Reporting &amp; Analytics</h1>
      {(summary.isPending || trends.isPending) && (
        <p className="loading" role="status">
          Loading…
        </p>
      )}
      <section className="card" aria-labelledby="reports-trends-heading">
        <h2 id="reports-trends-heading">AI usage trends</h2>
        <div className="reports-toolbar">
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
        {trends.isError && <p className="error" role="alert">The usage trends could not be loaded: {errorMessage(trends.error)}</p>}
        {trends.data && <TrendsChart trends={trends.data} updating={trends.isPlaceholderData} />}
      </section>
      {summary.isError && <p className="error" role="alert">The usage summary could not be loaded: {errorMessage(summary.error)}</p>}
      {summary.data && <PeriodSummary summary={summary.data} />}
    </>
  );
}

function PeriodSummary({ summary }: { summary: UsageSummary }) {
  const { totals, period } = summary;
  return (
    <>
      <section className="card" aria-labelledby="reports-totals-heading">
        <h2 id="reports-totals-heading">Totals for the period</h2>
        <p className="muted">
          Current period: {formatDate(period.start)} – {formatDate(period.end)}
        </p>
        <dl className="stats reports-stats">
          <div className="stat">
            <dt>Credits used</dt>
            <dd className="value">{formatCredits(totals.credits)}</dd>
          </div>
          <div className="stat">
            <dt>Tokens</dt>
            <dd className="value">{formatCredits(totals.tokens)}</dd>
          </div>
          <div className="stat">
            <dt>Requests</dt>
            <dd className="value">{formatCredits(totals.requests)}</dd>
          </div>
          <div className="stat">
            <dt>Uncollected credits</dt>
            <dd className="value">{formatCredits(totals.uncollected)}</dd>
          </div>
        </dl>
        {totals.uncollected > 0 && (
          <p className="muted">Uncollected credits were used when no credits were left to charge them to.</p>
        )}
        <Forecast forecast={summary.forecast} periodEnd={period.end} />
      </section>
      <div className="reports-tables">
        <section className="card" aria-labelledby="reports-top-users">
          <h2 id="reports-top-users">Top users</h2>
          {summary.top_users.length === 0 ? (
            <p className="muted">No AI usage in this period yet.</p>
          ) : (
            <ScrollRegion label="Top users">
              <table aria-labelledby="reports-top-users">
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col" className="num">Credits</th>
                    <th scope="col" className="num">Requests</th>
                  </tr>
                </thead>
                <tbody>
                  {summary.top_users.map((user) => (
                    <tr key={user.user_id}>
                      <th scope="row">{user.user_name ?? user.user_id}</th>
                      <td className="num">{formatCredits(user.credits)}</td>
                      <td className="num">{formatCredits(user.requests)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )}
        </section>
        <section className="card" aria-labelledby="reports-top-features">
          <h2 id="reports-top-features">Top features</h2>
          {summary.top_features.length === 0 ? (
            <p className="muted">No AI usage in this period yet.</p>
          ) : (
            <ScrollRegion label="Top features">
              <table aria-labelledby="reports-top-features">
                <thead>
                  <tr>
                    <th scope="col">Feature</th>
                    <th scope="col" className="num">Credits</th>
                    <th scope="col" className="num">Requests</th>
                  </tr>
                </thead>
                <tbody>
                  {summary.top_features.map((feature) => (
                    <tr key={feature.feature}>
                      <th scope="row">{featureName(feature.feature)}</th>
                      <td className="num">{formatCredits(feature.credits)}</td>
                      <td className="num">{formatCredits(feature.requests)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )}
        </section>
      </div>
    </>
  );
}

function Forecast({ forecast, periodEnd }: { forecast: UsageSummary['forecast']; periodEnd: string }) {
  const burn = forecast.daily_burn_credits;
  if (burn === 0 || forecast.plan_credits_last_until === null) {
    return <p className="reports-forecast">No AI credits were used in the last 7 days, so plan credits are not running down.</p>;
  }
  const prepaid = forecast.prepaid_credits_last_until;
  return (
    <div className="reports-forecast">
      <p>
        At the last 7 days' rate ({formatCredits(burn)} {burn === 1 ? 'credit' : 'credits'} a day), plan credits last until{' '}
        {formatDate(forecast.plan_credits_last_until)}.
      </p>
      {prepaid !== null && prepaid !== forecast.plan_credits_last_until && (
        <p>With purchased and promotional credits, credits last until {formatDate(prepaid)}.</p>
      )}
      {forecast.runs_out_before_period_end && (
        <p className="reports-warning">
          That is before the period renews on {formatDate(periodEnd)}.{' '}
          <Link to="/admin/ai-credits">Purchase credits or enable on-demand usage</Link> to avoid interruptions.
        </p>
      )}
    </div>
  );
}

function TrendsChart({ trends, updating }: { trends: UsageTrends; updating: boolean }) {
  const perWhat = trends.interval === 'day' ? 'day' : 'week';
  const byWhat = trends.group_by === 'feature' ? 'feature' : 'user';
  const names = trends.series.map((series) => seriesName(trends.group_by, series));
  const buckets = trends.series[0]?.points.map((point) => point.start) ?? [];
  const data = buckets.map((start, index) => {
    const row: Record<string, string | number> = { start };
    trends.series.forEach((series, seriesIndex) => {
      row[`s${seriesIndex}`] = series.points[index]?.credits ?? 0;
    });
    return row;
  });
  const tickLabel = (start: string) => shortDay.format(new Date(start));
  const bucketLabel = (start: string) => (trends.interval === 'day' ? formatDate(start) : `Week of ${formatDate(start)}`);
  const seriesIndex = (dataKey: unknown) => Number(String(dataKey).slice(1));
  const range = `${formatDate(trends.from)} – ${formatDate(trends.to)}`;
  const perSeries = trends.series
    .map((series, index) => ({ name: names[index]!, credits: series.points.reduce((sum, point) => sum + point.credits, 0) }))
    .map((one) => `${one.name} ${formatCredits(one.credits)}`)
    .join(', ');
  const label =
    `Stacked bar chart of AI credits per ${perWhat} by ${byWhat}, ${range}: ${formatCredits(trends.totals.credits)} credits in total` +
    (perSeries ? `; ${perSeries}.` : '.');

  return (
    <div aria-busy={updating}>
      <p className="muted">
        Credits per {perWhat} by {byWhat}, {range} · {formatCredits(trends.totals.credits)} credits, {formatCredits(trends.totals.requests)} requests
        {trends.interval === 'week' && ' · weeks start on Monday (UTC); the first and last may be partial'}
      </p>
      {trends.totals.credits === 0 ? (
        <p className="muted">No AI usage in this period yet.</p>
      ) : (
        <div className={`reports-chart${updating ? ' updating' : ''}`} role="img" aria-label={label}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#d9e0e7" />
              <XAxis dataKey="start" tickFormatter={tickLabel} tick={{ fontSize: 12 }} minTickGap={12} tickLine={false} />
              <YAxis tickFormatter={(value: number) => formatCredits(value)} tick={{ fontSize: 12 }} width={52} allowDecimals={false} />
              <Tooltip
                content={(props) => <TrendTooltip {...props} bucketLabel={bucketLabel} />}
                cursor={{ fill: 'rgba(36, 84, 199, 0.08)' }}
              />
              <Legend
                wrapperStyle={{ fontSize: 13 }}
                itemSorter={(item) => seriesIndex(item.dataKey)}
                formatter={(value) => <span className="reports-legend-label">{String(value)}</span>}
              />
              {trends.series.map((series, index) => (
                <Bar
                  key={series.key ?? '(others)'}
                  dataKey={`s${index}`}
                  name={names[index]}
                  stackId="credits"
                  fill={seriesColor(trends.group_by, series.key, index)}
                  maxBarSize={64}
                  isAnimationActive={false}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </div>
  );
}

/** One bucket: its total, then each group with credits, top of the stack first (zeros left out). */
function TrendTooltip({ active, payload, label, bucketLabel }: TooltipContentProps & { bucketLabel: (start: string) => string }) {
  if (!active || !payload?.length) return null;
  const items = payload.filter((item) => Number(item.value ?? 0) > 0).reverse();
  const total = items.reduce((sum, item) => sum + Number(item.value ?? 0), 0);
  return (
    <div className="reports-tooltip">
      <p>
        <strong>{bucketLabel(String(label))}</strong>: {formatCredits(total)} {total === 1 ? 'credit' : 'credits'}
      </p>
      {items.length > 0 && (
        <ul>
          {items.map((item) => (
            <li key={String(item.dataKey)}>
              <span className="reports-swatch" style={{ background: item.color }} aria-hidden="true" />
              {item.name}: {formatCredits(Number(item.value))}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
