import { useSession } from '../../auth.js';
import { BalanceSection } from './BalanceSection.js';
import { OnDemandSection } from './OnDemandSection.js';
import { PurchaseSection } from './PurchaseSection.js';
import { UsageHistorySection } from './UsageHistorySection.js';

/** Admin Settings > AI Credits Usage: balance, usage history, buying credits and on-demand usage. */
export function AiCreditsUsagePage() {
  const { isAdmin } = useSession();
  return (
    <div className="ai-credits">
      <h1>AI Credits Usage</h1>
      <BalanceSection />
      <UsageHistorySection />
      {isAdmin && <PurchaseSection />}
      <OnDemandSection />
    </div>
  );
}
