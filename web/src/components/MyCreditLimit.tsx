import { useSession } from '../auth.js';
import { formatCredits } from '../format.js';
import { useMemberUsage } from '../queries.js';
import { UsageBar, usageLevel } from './UsageBar.js';

/**
 * The signed-in person's credits this period against their own monthly limit (set by an admin in
 * Member limits), with a bar. Nothing while it loads, when it cannot be read, or when they have no
 * limit: a person without one has nothing to watch here.
 */
export function MyCreditLimit() {
  const { orgId, me } = useSession();
  const usage = useMemberUsage(orgId);
  const mine = usage.data?.items.find((item) => item.user_id === me.user.id);
  if (!mine || mine.monthly_limit_credits === null) return null;
  const limit = mine.monthly_limit_credits;
  return (
    <div className="my-credit-limit" data-testid="my-credit-limit">
      <p>{limitSentence(mine.credits_this_period, limit)}</p>
      <UsageBar used={mine.credits_this_period} limit={limit} />
    </div>
  );
}

function limitSentence(used: number, limit: number): string {
  const usedOf = `You have used ${formatCredits(used)} of your ${formatCredits(limit)} monthly ${limit === 1 ? 'credit' : 'credits'}.`;
  switch (usageLevel(used, limit)) {
    case 'reached':
      return `${usedOf} Your AI actions are paused until your credits reset at the start of the next billing cycle, or until an admin raises your limit.`;
    case 'warning':
      return `${usedOf} You are close to your monthly limit.`;
    case 'ok':
      return usedOf;
  }
}
