import { useSession } from '../../auth.js';
import { MyCreditLimit } from '../../components/MyCreditLimit.js';
import { AiStoppedNotice } from './AiStoppedNotice.js';
import { AutoRechargeSection } from './AutoRechargeSection.js';
import { BalanceSection } from './BalanceSection.js';
import { LowBalanceAlertsSection } from './LowBalanceAlertsSection.js';
import { OnDemandSection } from './OnDemandSection.js';
import { PurchaseSection } from './PurchaseSection.js';
import { UsageHistorySection } from './UsageHistorySection.js';

/**
 * Admin Settings > AI Credits Usage: why AI is stopped (when it is), balance, usage history, buying
 * credits, on-demand usage, and (admins) auto-recharge and low-balance alerts.
 */
export function AiCreditsUsagePage() {
  const { isAdmin } = useSession();
  return (
    <div className="ai-credits">
      <h1>AI Credits Usage</h1>
      <AiStoppedNotice />
      <BalanceSection />
      <MyCreditLimit />
      <UsageHistorySection />
      {isAdmin && <PurchaseSection />}
      <OnDemandSection />
      {isAdmin && <AutoRechargeSection />}
      {isAdmin && <LowBalanceAlertsSection />}
    </div>
  );
}
