import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import { formatCredits } from '../../format.js';
import type { UsageTrends } from '../../types.js';
import { formatRange, formatUtcDay } from './report-range.js';
import { seriesColor, seriesName } from './series.js';

const shortDay = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** Credits per day or week, stacked by feature or user, with a text equivalent for screen readers. */
export function TrendsChart({ trends, updating }: { trends: UsageTrends; updating: boolean }) {
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
  const bucketLabel = (start: string) => (trends.interval === 'day' ? formatUtcDay(start) : `Week of ${formatUtcDay(start)}`);
  const seriesIndex = (dataKey: unknown) => Number(String(dataKey).slice(1));
  const range = formatRange(trends);
  const perSeries = trends.series
    .map((series, index) => ({ name: names[index]!, credits: series.points.reduce((sum, point) => sum + point.credits, 0) }))
    .map((one) => `${one.name} ${formatCredits(one.credits)}`)
    .join(', ');
  const label =
    `Stacked bar chart of AI credits per ${perWhat} by ${byWhat}, ${range}: ${formatCredits(trends.totals.credits)} credits in total` +
    (perSeries ? `; ${perSeries}.` : '.');

  return (
    <div aria-busy={updating}>
      <p className="muted" data-testid="trends-caption">
        Credits per {perWhat} by {byWhat}, {range} · {formatCredits(trends.totals.credits)} {trends.totals.credits === 1 ? 'credit' : 'credits'}, {formatCredits(trends.totals.requests)}{' '}
        {trends.totals.requests === 1 ? 'request' : 'requests'} ·{' '}
        {trends.interval === 'week' ? 'weeks start on Monday (UTC); the first and last may be partial' : 'days run from midnight to midnight UTC'}
      </p>
      {trends.totals.credits === 0 ? (
        <p className="muted">No AI usage in this range.</p>
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
