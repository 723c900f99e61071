import { useId } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { keys } from '../../queries.js';
import type { OnDemand } from '../../types.js';
import { OnDemandForm } from './OnDemandForm.js';

/** On-demand usage: whether AI keeps working past the credits, billed later, and up to what cap. */
export function OnDemandSection() {
  const { orgId } = useSession();
  const headingId = useId();
  const settings = useQuery({
    queryKey: keys.settings(orgId, 'on-demand'),
    queryFn: () => api<OnDemand>('GET', `/v1/orgs/${orgId}/settings/on-demand`),
  });
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>On-Demand Usage</h2>
      <p className="muted">
        With on-demand usage on, AI features keep working after your credits run out and the extra usage is billed on your next invoice. With it
        off, AI actions stop when your credits are exhausted.
      </p>
      {settings.isPending ? (
        <Loading />
      ) : settings.isError ? (
        <LoadFailed error={settings.error} what="The on-demand settings" />
      ) : (
        <OnDemandForm initial={settings.data} />
      )}
    </section>
  );
}
