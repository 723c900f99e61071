import { useId, type ReactNode } from 'react';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { formatCredits, formatDate } from '../../format.js';
import { useBalance } from '../../queries.js';
import type { Balance } from '../../types.js';

/** The credits left, by kind, with the on-demand usage and the current period. */
export function BalanceSection() {
  const { orgId } = useSession();
  const balance = useBalance(orgId);
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Balance</h2>
      {balance.isPending ? <Loading /> : balance.isError ? <LoadFailed error={balance.error} what="The balance" /> : <BalanceFigures balance={balance.data} />}
    </section>
  );
}

function BalanceFigures({ balance }: { balance: Balance }) {
  const { isAdmin } = useSession();
  const prepaid = balance.plan.remaining + balance.purchased.remaining + balance.promotional.remaining;
  const lowBalanceNote = lowBalanceSentence(balance, prepaid, isAdmin);
  return (
    <>
      <div className="stats">
        <Stat
          label="Available credits"
          testId="balance-available"
          low={balance.low_balance}
          note={balance.low_balance && <div className="low-note">{prepaid === 0 ? 'None left' : 'Low balance'}</div>}
        >
          {formatCredits(prepaid)}
        </Stat>
        <Stat label="Plan credits" testId="balance-plan" note={<div className="muted">remaining of {formatCredits(balance.plan.granted)}</div>}>
          {formatCredits(balance.plan.remaining)}
        </Stat>
        <Stat
          label="Purchased credits"
          testId="balance-purchased"
          note={<div className="muted">{balance.purchased.frozen > 0 ? `plus ${formatCredits(balance.purchased.frozen)} frozen` : 'kept until used'}</div>}
        >
          {formatCredits(balance.purchased.remaining)}
        </Stat>
        {balance.promotional.remaining > 0 && <Stat label="Promotional credits">{formatCredits(balance.promotional.remaining)}</Stat>}
        <Stat
          label="On-demand used / limit"
          testId="balance-overage"
          note={<div className="muted">{balance.overage.enabled ? 'On-demand usage is on' : 'On-demand usage is off'}</div>}
        >
          {/* "no cap" only means something while on-demand usage is on. */}
          {balance.overage.enabled ? `${formatCredits(balance.overage.used)} / ${balance.overage.limit === 0 ? 'no cap' : formatCredits(balance.overage.limit)}` : 'Off'}
        </Stat>
      </div>
      <p className="period" data-testid="balance-period">
        Current period: {formatDate(balance.period.start)} – {formatDate(balance.period.end)}
      </p>
      {balance.purchased.frozen > 0 && (
        <p className="warning-note" data-testid="balance-frozen">
          {formatCredits(balance.purchased.frozen)} purchased credits are frozen because a card payment for them is disputed with the bank. They cannot be used until the bank decides, and come back if the dispute is won.
        </p>
      )}
      {balance.held > 0 && <p className="muted">{formatCredits(balance.held)} credits are held for AI requests in progress.</p>}
      {lowBalanceNote && <p className="warning-note">{lowBalanceNote}</p>}
    </>
  );
}

/**
 * The warning under a low balance while AI still runs (once it has stopped, the stopped notice at the
 * top of the page says why and what to do). It never advises what is already done, and never tells a
 * member to buy.
 */
function lowBalanceSentence(balance: Balance, prepaid: number, isAdmin: boolean): string | null {
  if (!balance.low_balance || balance.ai_stopped !== null) return null;
  const below = prepaid === 0 ? 'Your credits have run out.' : `Your balance is below ${formatCredits(balance.low_balance_threshold)} credits.`;
  if (balance.overage.enabled) {
    const cap = balance.overage.limit === 0 ? '' : `, up to ${formatCredits(balance.overage.limit)} credits this month`;
    return `${below} On-demand usage keeps AI working${cap}, and the extra usage is billed on your next invoice.`;
  }
  return isAdmin
    ? `${below} Buy credits or turn on on-demand usage to avoid interruptions.`
    : `${below} Ask an admin to buy credits to avoid interruptions.`;
}

/** One figure of the balance: its name, the number, and a note under it. */
function Stat({ label, testId, low = false, note, children }: { label: string; testId?: string; low?: boolean; note?: ReactNode; children: ReactNode }) {
  return (
    <div className={`stat${low ? ' low' : ''}`}>
      <div className="muted">{label}</div>
      <div className="value" data-testid={testId}>
        {children}
      </div>
      {note}
    </div>
  );
}
