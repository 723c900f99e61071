import { Link, useNavigate } from 'react-router';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { formatDate, formatMoney } from '../../format.js';
import { keys, usePagedList } from '../../queries.js';
import type { BillingHistoryEntry, BillingHistoryPage } from '../../types.js';
import { invoicePath } from './labels.js';
import { ShowOlderButton } from './ShowOlderButton.js';

const HISTORY_PAGE_SIZE = 10;

/** Subscription charges, credit purchases and failed payments, newest first (part of the invoice section). */
export function BillingHistory() {
  const { orgId } = useSession();
  const navigate = useNavigate();
  const history = usePagedList<BillingHistoryPage>({ queryKey: keys.billingHistory(orgId), path: `/v1/orgs/${orgId}/billing-history`, limit: HISTORY_PAGE_SIZE });
  const entries = history.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <>
      <h3 id="billing-history-heading" className="history-heading">
        Billing history
      </h3>
      <p className="muted">Subscription charges, credit purchases and failed payments, newest first.</p>
      {history.isPending && <Loading />}
      {history.isError && <LoadFailed error={history.error} what="The billing history" />}
      {history.isSuccess && entries.length === 0 && <p className="muted">Nothing billed yet.</p>}
      {entries.length > 0 && (
        <ul className="history" aria-labelledby="billing-history-heading">
          {entries.map((entry) => (
            <li
              key={`${entry.kind}-${entry.id}`}
              className={[entry.status === 'failed' ? 'failed' : '', entry.invoice_id ? 'clickable' : ''].join(' ').trim() || undefined}
              onClick={entry.invoice_id ? () => navigate(invoicePath(entry.invoice_id!)) : undefined}
            >
              <time dateTime={entry.occurred_at}>{formatDate(entry.occurred_at)}</time>
              <span className="history-description">
                {entry.description}
                {entry.invoice_id && entry.invoice_number && (
                  <>
                    {' · '}
                    <Link to={invoicePath(entry.invoice_id)} onClick={(event) => event.stopPropagation()}>
                      Invoice {entry.invoice_number}
                    </Link>
                  </>
                )}
              </span>
              <span className="num">{formatMoney(entry.amount_cents, entry.currency)}</span>
              <span className={`tag${historyTone(entry)}`}>{historyStatus(entry)}</span>
            </li>
          ))}
        </ul>
      )}
      <ShowOlderButton list={history} label="Show older entries" />
    </>
  );
}

function historyStatus(entry: BillingHistoryEntry): string {
  if (entry.kind === 'payment_failed') return 'Failed';
  if (entry.kind === 'credit_purchase' && entry.status === 'failed') return 'Declined';
  if (entry.status === 'succeeded' || entry.status === 'paid') return 'Paid';
  if (entry.status === 'pending') return 'Pending';
  if (entry.status === 'open') return 'Open (unpaid)';
  return entry.status.charAt(0).toUpperCase() + entry.status.slice(1);
}

function historyTone(entry: BillingHistoryEntry): string {
  if (entry.status === 'failed') return ' tag-bad';
  if (entry.status === 'succeeded' || entry.status === 'paid') return ' tag-ok';
  return ' tag-warn';
}
