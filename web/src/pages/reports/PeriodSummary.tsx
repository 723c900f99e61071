import { ScrollRegion } from '../../components/ScrollRegion.js';
import { formatCredits, formatDate } from '../../format.js';
import type { UsageSummary } from '../../types.js';
import { Forecast } from './Forecast.js';
import { featureName } from './series.js';

/** The current period: totals, the forecast, and the top users and features. */
export function PeriodSummary({ summary }: { summary: UsageSummary }) {
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
            <dt>Credits not charged</dt>
            <dd className="value">{formatCredits(totals.uncollected)}</dd>
          </div>
        </dl>
        {totals.uncollected > 0 && <p className="muted">Credits not charged were used when no credits were left to charge them to.</p>}
        <Forecast forecast={summary.forecast} periodEnd={period.end} />
      </section>
      <div className="reports-tables">
        <TopTable
          id="reports-top-users"
          title="Top users"
          firstColumn="User"
          rows={summary.top_users.map((user) => ({ key: user.user_id, name: user.user_name ?? user.user_id, credits: user.credits, requests: user.requests }))}
        />
        <TopTable
          id="reports-top-features"
          title="Top features"
          firstColumn="Feature"
          rows={summary.top_features.map((feature) => ({ key: feature.feature, name: featureName(feature.feature), credits: feature.credits, requests: feature.requests }))}
        />
      </div>
    </>
  );
}

function TopTable({ id, title, firstColumn, rows }: { id: string; title: string; firstColumn: string; rows: { key: string; name: string; credits: number; requests: number }[] }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">No AI usage in this period yet.</p>
      ) : (
        <ScrollRegion label={title}>
          <table aria-labelledby={id}>
            <thead>
              <tr>
                <th scope="col">{firstColumn}</th>
                <th scope="col" className="num">
                  Credits
                </th>
                <th scope="col" className="num">
                  Requests
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.key}>
                  <th scope="row">{row.name}</th>
                  <td className="num">{formatCredits(row.credits)}</td>
                  <td className="num">{formatCredits(row.requests)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
