import { useQuery } from '@tanstack/react-query';
import { api, errorMessage } from '../api.js';
import { useSession } from '../auth.js';
import { keys } from '../queries.js';
import type { UsageSummary } from '../types.js';
import { PeriodSummary } from './reports/PeriodSummary.js';
import { TrendsSection } from './reports/TrendsSection.js';

/** Reporting & Analytics: AI usage trends over a chosen range, the current period's totals, top users and features, forecast. */
export function ReportsPage() {
  const { orgId } = useSession();
  const summary = useQuery({
    queryKey: keys.usageSummary(orgId),
    queryFn: () => api<UsageSummary>('GET', `/v1/orgs/${orgId}/usage/summary?top=5`),
  });
  return (
    <>
      <h1>Reporting &amp; Analytics</h1>
      {summary.isPending && (
        <p className="loading" role="status">
          Loading…
        </p>
      )}
      <TrendsSection period={summary.data?.period} />
      {summary.isError && (
        <p className="error" role="alert">
          The usage summary could not be loaded: {errorMessage(summary.error)}
        </p>
      )}
      {summary.data && <PeriodSummary summary={summary.data} />}
    </>
  );
}
