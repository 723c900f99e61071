import { useId } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { keys } from '../../queries.js';
import type { NotificationSettings } from '../../types.js';
import { LowBalanceAlertsForm } from './LowBalanceAlertsForm.js';

/** Low-balance alerts (admins): below how many credits the admins, and the addresses listed, are told. */
export function LowBalanceAlertsSection() {
  const { orgId } = useSession();
  const headingId = useId();
  const settings = useQuery({
    queryKey: keys.settings(orgId, 'notifications'),
    queryFn: () => api<NotificationSettings>('GET', `/v1/orgs/${orgId}/settings/notifications`),
  });
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Low-balance alerts</h2>
      <p className="muted">
        When your available credits fall below the threshold, Loupe Factory tells your admins in the app and by e-mail, and also e-mails the
        addresses listed here, such as your finance team.
      </p>
      {settings.isPending ? (
        <Loading />
      ) : settings.isError ? (
        <LoadFailed error={settings.error} what="The alert settings" />
      ) : (
        <LowBalanceAlertsForm initial={settings.data} />
      )}
    </section>
  );
}
