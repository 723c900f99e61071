import { Link, useNavigate } from 'react-router';
import { useSession } from '../../auth.js';
import { LoadFailed, Loading } from '../../components/Status.js';
import { formatMoney } from '../../format.js';
import { keys, usePagedList } from '../../queries.js';
import type { BillingHistoryEntry, BillingHistoryPage } from '../../types.js';
import { invoicePath, statusTagClass, type TagTone } from './labels.js';
import { formatInvoiceDate } from '../../../../src/domain/invoice-presentation.js';
import { ShowOlderButton } from '../../components/ShowOlderButton.js';

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
      <p className="muted">Subscription charges, credit purchases, refunds and failed payments, newest first.</p>
      {history.isPending && <Loading />}
      {history.isError && <LoadFailed error={history.error} what="The billing history" />}
      {history.isSuccess && entries.length === 0 && <p className="muted">Nothing billed yet.</p>}
      {entries.length > 0 && (
        <ul className="history" aria-labelledby="billing-history-heading">
          {entries.map((entry) => (
            <li
              key={`${entry.kind}-${entry.id}`}
              className={[entry.status === 'failed' ? 'failed' : '', entry.invoice_id ? 'clickable' : ''].join(' ').trim() || undefined}
              onClick={entryPath(entry) ? () => navigate(entryPath(entry)!) : undefined}
            >
              {/* The date the invoice carries (UTC), so an entry and its invoice never show two dates. */}
              <time dateTime={entry.occurred_at}>{formatInvoiceDate(entry.occurred_at)}</time>
              <span className="history-description">
                {entry.description}
                {entry.kind === 'credit_note' && entry.credit_note_number && (
                  <>
                    {' · '}
                    <Link to={`/billing/credit-notes/${encodeURIComponent(entry.id)}`} onClick={(event) => event.stopPropagation()}>
                      Credit note {entry.credit_note_number}
                    </Link>
                  </>
                )}
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
              <HistoryStatusTag entry={entry} />
            </li>
          ))}
        </ul>
      )}
      <ShowOlderButton list={history} label="Show older entries" />
    </>
  );
}

interface HistoryStatus {
  readonly label: string;
  readonly tone: TagTone;
}

/** Purchases are succeeded, pending, failed or disputed; subscription charges carry their invoice's status. */
const HISTORY_STATUSES: Readonly<Record<string, HistoryStatus>> = {
  succeeded: { label: 'Paid', tone: 'good' },
  paid: { label: 'Paid', tone: 'good' },
  pending: { label: 'Pending', tone: 'attention' },
  open: { label: 'Due', tone: 'attention' },
  void: { label: 'Void', tone: 'neutral' },
  refunded: { label: 'Refunded', tone: 'neutral' },
  disputed: { label: 'Disputed', tone: 'attention' },
};

/** The entry's status in the word an invoice uses (Paid, Due, Void), or Declined, Failed: never the API's code. */
function HistoryStatusTag({ entry }: { entry: BillingHistoryEntry }) {
  const status: HistoryStatus =
    entry.kind === 'payment_failed'
      ? { label: 'Failed', tone: 'bad' }
      : entry.kind === 'credit_purchase' && entry.status === 'failed'
        ? { label: 'Declined', tone: 'bad' }
        : (HISTORY_STATUSES[entry.status] ?? { label: 'Unknown', tone: 'neutral' });
  return <span className={statusTagClass(status.tone)}>{status.label}</span>;
}

/** Where a click on an entry goes: a credit note's own page, else the entry's invoice. */
function entryPath(entry: BillingHistoryPage['items'][number]): string | null {
  if (entry.kind === 'credit_note') return `/billing/credit-notes/${encodeURIComponent(entry.id)}`;
  return entry.invoice_id ? invoicePath(entry.invoice_id) : null;
}
