import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import { useSession } from '../auth.js';
import { MyCreditLimit } from '../components/MyCreditLimit.js';
import { LoadFailed, Loading } from '../components/Status.js';
import { keys, useMemberUsage } from '../queries.js';
import type { UserLimits } from '../types.js';
import { MemberLimitsForm } from './member-limits/MemberLimitsForm.js';

/**
 * Admin Settings > Member limits: how many credits each person may use in a billing period, by
 * default and person by person, with what each has used. A member sees their own limit only.
 */
export function MemberLimitsPage() {
  const { isAdmin } = useSession();
  return (
    <div className="member-limits">
      <h1>Member limits</h1>
      <p className="lead">
        Credits are shared across all team members in your organization. A monthly limit keeps one person’s AI work from using up the
        credits everyone relies on: when a member reaches their limit, Loupe Factory stops their AI actions until the next billing
        cycle, and the rest of the team keeps working. Usage counts start again at the start of each billing cycle.
      </p>
      {isAdmin ? (
        <LimitsEditor />
      ) : (
        <section className="card">
          <MyCreditLimit />
          <p className="muted">Only admins can set member limits. Ask an admin if you need a higher limit.</p>
        </section>
      )}
    </div>
  );
}

function LimitsEditor() {
  const { orgId } = useSession();
  const limits = useQuery({ queryKey: keys.userLimits(orgId), queryFn: () => api<UserLimits>('GET', `/v1/orgs/${orgId}/settings/user-limits`) });
  const usage = useMemberUsage(orgId);
  if (limits.isError) return <LoadFailed error={limits.error} what="The member limits" />;
  if (usage.isError) return <LoadFailed error={usage.error} what="Each member’s credits this period" />;
  if (limits.isPending || usage.isPending) return <Loading />;
  return <MemberLimitsForm limits={limits.data} usage={usage.data.items} />;
}
