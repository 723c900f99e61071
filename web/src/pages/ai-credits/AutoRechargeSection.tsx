import { useId } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api.js';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { keys, useOrg } from '../../queries.js';
import type { AutoRecharge } from '../../types.js';
import { AutoRechargeForm } from './AutoRechargeForm.js';

/** Auto-recharge (admins): buy a set number of credits with the default card whenever the balance falls below a line. */
export function AutoRechargeSection() {
  const { orgId } = useSession();
  const headingId = useId();
  const org = useOrg(orgId);
  const settings = useQuery({
    queryKey: keys.settings(orgId, 'auto-recharge'),
    queryFn: () => api<AutoRecharge>('GET', `/v1/orgs/${orgId}/settings/auto-recharge`),
  });
  const ended = org.data?.subscription.status === 'canceled';
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Auto-recharge</h2>
      <p className="muted">
        With auto-recharge on, Loupe Factory buys credits with your default card whenever your available credits fall below the threshold, so
        AI features are not interrupted. Each recharge is a credit purchase with its own invoice.
      </p>
      {ended ? (
        <p>
          Your subscription has ended, so credits cannot be bought automatically. <Link to="/billing">Choose a plan on Billing</Link> first.
        </p>
      ) : settings.isPending ? (
        <Loading />
      ) : settings.isError ? (
        <LoadFailed error={settings.error} what="The auto-recharge settings" />
      ) : (
        <AutoRechargeForm initial={settings.data} />
      )}
    </section>
  );
}
