import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { api, ApiError, errorMessage } from '../api.js';
import { cardLabel, usePaymentMethods } from '../cards.js';
import { useSession } from '../auth.js';
import { useBalance } from '../components/AppShell.js';
import { formatCredits, formatDate, formatDateTime, formatMoney } from '../format.js';
import type { Org, Plan } from '../types.js';

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

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** The value, once it has stopped changing for `delay` ms. */
function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

function Loading() {
  return (
    <p className="loading" role="status">
      Loading…
    </p>
  );
}

function Failed({ error, what }: { error: unknown; what: string }) {
  return (
    <p className="error" role="alert">
      {what} could not be loaded: {errorMessage(error)}
    </p>
  );
}

/** "assistant" → "Assistant". */
function moduleLabel(module: string): string {
  return module.charAt(0).toUpperCase() + module.slice(1).replace(/[_-]+/g, ' ');
}

interface CreditPrice {
  readonly unitCents: number;
  readonly currency: string;
}

/**
 * The price of one credit: the org's plan's credit price (1 cent when it cannot be read); a quote,
 * which also knows contract prices, overrides it once one has been fetched.
 */
function usePlanCreditPrice(): { price: CreditPrice; error: unknown } {
  const { orgId } = useSession();
  const org = useQuery({ queryKey: ['org', orgId], queryFn: () => api<Org>('GET', `/v1/orgs/${orgId}`) });
  const plans = useQuery({ queryKey: ['plans'], queryFn: () => api<{ items: Plan[] }>('GET', '/v1/plans'), staleTime: 5 * 60_000 });
  const plan = plans.data?.items.find((item) => item.id === org.data?.plan);
  return {
    price: { unitCents: plan?.credit_price_cents ?? 1, currency: plan?.currency ?? 'USD' },
    error: org.error ?? plans.error,
  };
}

// ---------------------------------------------------------------------------------------------
// Balance

function BalanceSection() {
  const balance = useBalance();
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Balance</h2>
      {balance.isPending ? (
        <Loading />
      ) : balance.isError ? (
        <Failed error={balance.error} what="The balance" />
      ) : (
        (() => {
          const data = balance.data;
          const prepaid = data.plan.remaining + data.purchased.remaining + data.promotional.remaining;
          return (
            <>
              <div className="stats">
                <div className={`stat${data.low_balance ? ' low' : ''}`}>
                  <div className="muted">Available credits</div>
                  <div className="value" data-testid="balance-available">
                    {formatCredits(prepaid)}
                  </div>
                  {data.low_balance && <div className="low-note">Low balance</div>}
                </div>
                <div className="stat">
                  <div className="muted">Plan credits</div>
                  <div className="value" data-testid="balance-plan">
                    {formatCredits(data.plan.remaining)}
                  </div>
                  <div className="muted">remaining of {formatCredits(data.plan.granted)}</div>
                </div>
                <div className="stat">
                  <div className="muted">Purchased credits</div>
                  <div className="value" data-testid="balance-purchased">
                    {formatCredits(data.purchased.remaining)}
                  </div>
                  <div className="muted">kept until used</div>
                </div>
                {data.promotional.remaining > 0 && (
                  <div className="stat">
                    <div className="muted">Promotional credits</div>
                    <div className="value">{formatCredits(data.promotional.remaining)}</div>
                  </div>
                )}
                <div className="stat">
                  <div className="muted">On-demand used / limit</div>
                  <div className="value" data-testid="balance-overage">
                    {formatCredits(data.overage.used)} / {data.overage.limit === 0 ? 'no cap' : formatCredits(data.overage.limit)}
                  </div>
                  <div className="muted">{data.overage.enabled ? 'On-demand usage is on' : 'On-demand usage is off'}</div>
                </div>
              </div>
              <p className="period" data-testid="balance-period">
                Current period: {formatDate(data.period.start)} – {formatDate(data.period.end)}
              </p>
              {data.held > 0 && <p className="muted">{formatCredits(data.held)} credits are held for AI requests in progress.</p>}
              {data.low_balance && (
                <p className="warning-note">
                  Your balance is below {formatCredits(data.low_balance_threshold)} credits. Buy credits or turn on on-demand usage to avoid
                  interruptions.
                </p>
              )}
            </>
          );
        })()
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Usage history

interface UsageItem {
  id: string;
  occurred_at: string;
  user_id: string;
  user_name: string | null;
  action: string;
  feature: string;
  tokens: number;
  credits: number;
  uncollected: number;
}

interface Member {
  user_id: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
}

const PAGE_SIZE = 25;

/** "2026-02-03" → the start of that day (UTC), or of the next day for an exclusive end. */
function dayBoundary(day: string, next: boolean): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const time = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(time)) return null;
  return new Date(time + (next ? 86_400_000 : 0)).toISOString();
}

const usageColumn = createColumnHelper<UsageItem>();
const usageColumns = [
  usageColumn.accessor('occurred_at', {
    header: 'Date',
    cell: (info) => <time dateTime={info.getValue()}>{formatDateTime(info.getValue())}</time>,
  }),
  usageColumn.accessor((row) => row.user_name ?? row.user_id, { id: 'user', header: 'User' }),
  usageColumn.accessor('action', { header: 'Action' }),
  usageColumn.accessor('feature', { header: 'Feature', cell: (info) => moduleLabel(info.getValue()) }),
  usageColumn.accessor('tokens', { header: 'Tokens', cell: (info) => formatCredits(info.getValue()), meta: { numeric: true } }),
  usageColumn.accessor('credits', {
    header: 'Credits',
    meta: { numeric: true },
    cell: (info) => {
      const uncollected = info.row.original.uncollected;
      return (
        <>
          {formatCredits(info.getValue())}
          {uncollected > 0 && <span className="muted"> ({formatCredits(uncollected)} uncollected)</span>}
        </>
      );
    },
  }),
];

function isNumeric(meta: unknown): boolean {
  return typeof meta === 'object' && meta !== null && (meta as { numeric?: boolean }).numeric === true;
}

function UsageHistorySection() {
  const { orgId, isAdmin, me } = useSession();
  const headingId = useId();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [userId, setUserId] = useState('');
  const [feature, setFeature] = useState('');
  const [actionText, setActionText] = useState('');
  const action = useDebounced(actionText.trim(), 350);

  const fromIso = from ? dayBoundary(from, false) : null;
  const toIso = to ? dayBoundary(to, true) : null;
  const rangeError = fromIso && toIso && fromIso >= toIso ? '“From” must be on or before “To”.' : null;

  const filters = useMemo(() => {
    const params = new URLSearchParams();
    if (fromIso) params.set('from', fromIso);
    if (toIso) params.set('to', toIso);
    if (isAdmin && userId) params.set('user_id', userId);
    if (feature) params.set('feature', feature);
    if (action) params.set('action', action);
    return params.toString();
  }, [fromIso, toIso, isAdmin, userId, feature, action]);

  // The cursors of the pages up to this one (null = the first page), for the filters they belong
  // to: new filters start again from the first page.
  const [paging, setPaging] = useState<{ filters: string; cursors: (string | null)[] }>({ filters, cursors: [null] });
  const cursors = paging.filters === filters ? paging.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;

  const features = useQuery({
    queryKey: ['settings', orgId, 'ai-features'],
    queryFn: () => api<{ modules: Record<string, boolean> }>('GET', `/v1/orgs/${orgId}/settings/ai-features`),
  });
  const members = useQuery({
    queryKey: ['members', orgId],
    queryFn: () => api<{ items: Member[] }>('GET', `/v1/orgs/${orgId}/members`),
    enabled: isAdmin,
  });
  const usage = useQuery({
    queryKey: ['usage', orgId, filters, cursor],
    queryFn: () => {
      const params = new URLSearchParams(filters);
      params.set('limit', String(PAGE_SIZE));
      if (cursor) params.set('cursor', cursor);
      return api<{ items: UsageItem[]; next_cursor: string | null }>('GET', `/v1/orgs/${orgId}/usage?${params.toString()}`);
    },
    enabled: !rangeError,
    placeholderData: keepPreviousData,
  });

  const items = useMemo(() => usage.data?.items ?? [], [usage.data]);
  const table = useReactTable({ data: items, columns: usageColumns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => row.id });

  const exportHref = `/v1/orgs/${orgId}/usage.csv${filters ? `?${filters}` : ''}`;
  const pageNumber = cursors.length;
  const nextCursor = usage.data?.next_cursor ?? null;

  return (
    // Not named after its heading: "history" would make getByLabel('To') match the section.
    <section className="card">
      <div className="section-head">
        <h2 id={headingId}>Usage history</h2>
        <a href={exportHref} download="usage.csv" className="button-link">
          Export CSV
        </a>
      </div>
      <form className="row usage-filters" role="search" aria-label="Usage filters" onSubmit={(event: FormEvent) => event.preventDefault()}>
        <label>
          From
          <input type="date" value={from} max={to || undefined} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label>
          To
          <input type="date" value={to} min={from || undefined} onChange={(event) => setTo(event.target.value)} />
        </label>
        <label>
          User
          {isAdmin ? (
            <select value={userId} onChange={(event) => setUserId(event.target.value)}>
              <option value="">All users</option>
              {members.data?.items.map((member) => (
                <option key={member.user_id} value={member.user_id}>
                  {member.name}
                </option>
              ))}
            </select>
          ) : (
            <select value="" disabled aria-describedby={`${headingId}-own`}>
              <option value="">{me.user.name}</option>
            </select>
          )}
        </label>
        <label>
          Feature
          <select value={feature} onChange={(event) => setFeature(event.target.value)}>
            <option value="">All features</option>
            {Object.keys(features.data?.modules ?? {}).map((module) => (
              <option key={module} value={module}>
                {moduleLabel(module)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action
          <input type="search" value={actionText} placeholder="e.g. chat" maxLength={200} onChange={(event) => setActionText(event.target.value)} />
        </label>
        {(from || to || userId || feature || actionText) && (
          <button
            type="button"
            onClick={() => {
              setFrom('');
              setTo('');
              setUserId('');
              setFeature('');
              setActionText('');
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      {!isAdmin && (
        <p className="muted" id={`${headingId}-own`}>
          Members see their own usage.
        </p>
      )}
      {features.isError && <Failed error={features.error} what="The feature list" />}
      {members.isError && <Failed error={members.error} what="The member list" />}
      {rangeError ? (
        <p className="error" role="alert">
          {rangeError}
        </p>
      ) : usage.isPending ? (
        <Loading />
      ) : usage.isError ? (
        <Failed error={usage.error} what="The usage history" />
      ) : (
        <>
          <div className="table-scroll" role="region" aria-label="Usage table" tabIndex={0}>
            <table className="usage-table" aria-busy={usage.isFetching}>
              <caption className="visually-hidden">Usage history</caption>
              <thead>
                {table.getHeaderGroups().map((group) => (
                  <tr key={group.id}>
                    {group.headers.map((header) => (
                      <th key={header.id} scope="col" className={isNumeric(header.column.columnDef.meta) ? 'num' : undefined}>
                        {flexRender(header.column.columnDef.header, header.getContext())}
                      </th>
                    ))}
                  </tr>
                ))}
              </thead>
              <tbody>
                {table.getRowModel().rows.map((row) => (
                  <tr key={row.id}>
                    {row.getVisibleCells().map((cell) => (
                      <td key={cell.id} className={isNumeric(cell.column.columnDef.meta) ? 'num' : undefined}>
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </td>
                    ))}
                  </tr>
                ))}
                {items.length === 0 && (
                  <tr>
                    <td colSpan={usageColumns.length} className="muted">
                      No AI usage matches these filters.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Usage pages">
            <button type="button" disabled={pageNumber <= 1} onClick={() => setPaging({ filters, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors })}>
              Previous page
            </button>
            <span className="muted">Page {pageNumber}</span>
            <button
              type="button"
              disabled={!nextCursor || usage.isPlaceholderData}
              onClick={() => nextCursor && setPaging({ filters, cursors: [...cursors, nextCursor] })}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Purchase credits

const PURCHASE_MIN = 100;
const PURCHASE_MAX = 100_000;
const PURCHASE_STEP = 100;

interface Quote {
  credits: number;
  unit_price_cents: number;
  amount_cents: number;
  tax_cents: number;
  total_cents: number;
  currency: string;
  tax: { name: string; rate_bps: number; amount_cents: number }[];
  tax_note: string | null;
  min_credits: number;
  max_credits: number;
}

interface Purchase {
  id: string;
  credits: number;
  total_cents: number;
  currency: string;
  status: 'succeeded' | 'pending' | 'failed';
  failure_code: string | null;
}

/** The inline message for an amount that may not be bought, or null when it may. */
function purchaseProblem(text: string, min: number, max: number): string | null {
  const trimmed = text.trim();
  if (trimmed === '' || !/^\d+$/.test(trimmed)) return 'Enter a whole number of credits';
  const credits = Number(trimmed);
  if (credits < min) return `Minimum purchase is ${formatCredits(min)} credits`;
  if (credits > max) return `Maximum purchase is ${formatCredits(max)} credits per transaction`;
  return null;
}

function PurchaseSection() {
  const { orgId } = useSession();
  const queryClient = useQueryClient();
  const headingId = useId();
  const messageId = useId();
  const [text, setText] = useState('1000');
  const [limits, setLimits] = useState({ min: PURCHASE_MIN, max: PURCHASE_MAX });
  const plan = usePlanCreditPrice();
  const problem = purchaseProblem(text, limits.min, limits.max);
  const credits = problem ? null : Number(text.trim());
  const quotedCredits = useDebounced(credits, 300);

  const quote = useQuery({
    queryKey: ['credit-quote', orgId, quotedCredits],
    queryFn: () => api<Quote>('GET', `/v1/orgs/${orgId}/credit-purchases/quote?credits=${quotedCredits}`),
    enabled: quotedCredits !== null,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  // The quote knows the org's real terms (a contract may change price and limits).
  const [unitPrice, setUnitPrice] = useState<CreditPrice | null>(null);
  useEffect(() => {
    if (!quote.data) return;
    setUnitPrice({ unitCents: quote.data.unit_price_cents, currency: quote.data.currency });
    setLimits((current) =>
      current.min === quote.data.min_credits && current.max === quote.data.max_credits ? current : { min: quote.data.min_credits, max: quote.data.max_credits },
    );
  }, [quote.data]);
  const price = unitPrice ?? plan.price;
  const quoteCurrent = quote.data !== undefined && credits !== null && quote.data.credits === credits && !quote.isPlaceholderData && !quote.isFetching;
  // The card the purchase is charged to, shown in the review; without one there is nothing to charge.
  const methods = usePaymentMethods();
  const card = methods.data?.items.find((method) => method.default) ?? methods.data?.items[0];
  const noCard = methods.isSuccess && card === undefined;

  // One idempotency key per confirmed attempt; kept only while the outcome is unknown, so that
  // retrying the same amount after a lost answer can never charge twice.
  const attempt = useRef<{ key: string; credits: number } | null>(null);
  const purchase = useMutation({
    mutationFn: (vars: { credits: number; key: string }) =>
      api<Purchase>('POST', `/v1/orgs/${orgId}/credit-purchases`, { credits: vars.credits, idempotency_key: vars.key }),
    onSuccess: (result) => {
      if (result.status !== 'pending') attempt.current = null;
      void queryClient.invalidateQueries({ queryKey: ['balance', orgId] });
      void queryClient.invalidateQueries({ queryKey: ['usage', orgId] });
      void queryClient.invalidateQueries({ queryKey: ['billing', orgId] });
    },
    onError: (error) => {
      // A definite answer from the server settles the attempt; a lost one keeps its key.
      if (error instanceof ApiError && error.status < 500) attempt.current = null;
    },
  });

  // The form is the review: credits, price, tax, total and the card, all for the amount typed. It can
  // be sent only once they are all shown (never while the total is loading, e.g. by pressing Enter).
  const canPurchase = problem === null && quoteCurrent && card !== undefined && !purchase.isPending;

  const setAmount = (value: string) => {
    setText(value);
    if (!purchase.isPending) purchase.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (credits === null || !canPurchase) return;
    if (!attempt.current || attempt.current.credits !== credits) attempt.current = { key: crypto.randomUUID(), credits };
    purchase.mutate({ credits, key: attempt.current.key });
  };

  const sliderValue = credits ?? Math.min(limits.max, Math.max(limits.min, Math.round(Number(text) || limits.min)));
  const error = purchase.error;

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Purchase Credits</h2>
      <p className="muted">
        Purchased credits are added on top of your plan credits and never expire. {formatMoney(price.unitCents, price.currency)} per credit;{' '}
        {formatCredits(limits.min)} to {formatCredits(limits.max)} credits per purchase.
      </p>
      <form className="purchase-form" noValidate onSubmit={submit}>
        <div className="row">
          <label>
            Credits to purchase
            <input
              type="number"
              inputMode="numeric"
              min={limits.min}
              max={limits.max}
              step={1}
              value={text}
              aria-invalid={problem !== null}
              aria-describedby={messageId}
              onChange={(event) => setAmount(event.target.value)}
            />
          </label>
          <label className="slider">
            Credits slider
            <input
              type="range"
              min={limits.min}
              max={limits.max}
              step={PURCHASE_STEP}
              value={sliderValue}
              aria-valuetext={`${formatCredits(sliderValue)} credits`}
              onChange={(event) => setAmount(event.target.value)}
            />
          </label>
        </div>
        <div id={messageId} className="purchase-summary" aria-live="polite">
          {problem ? (
            <p className="error" data-testid="purchase-error">
              {problem}
            </p>
          ) : (
            credits !== null && (
              <>
                <p className="purchase-total" data-testid="purchase-total">
                  {formatCredits(credits)} credits = {formatMoney(credits * price.unitCents, price.currency)}
                </p>
                {quoteCurrent ? (
                  <div className="quote">
                    <p data-testid="purchase-tax">Tax: {formatMoney(quote.data.tax_cents, quote.data.currency)}</p>
                    <p data-testid="purchase-grand-total">
                      <strong>Total: {formatMoney(quote.data.total_cents, quote.data.currency)}</strong>
                    </p>
                    {quote.data.tax.length > 0 && (
                      <p className="muted">
                        {quote.data.tax.map((line) => `${line.name} (${(line.rate_bps / 100).toLocaleString('en-US')}%): ${formatMoney(line.amount_cents, quote.data.currency)}`).join(' · ')}
                      </p>
                    )}
                    {quote.data.tax_note && <p className="muted">{quote.data.tax_note}</p>}
                    {card && <p data-testid="purchase-card">Charged to {cardLabel(card)}</p>}
                  </div>
                ) : quote.isError && !quote.isFetching ? (
                  <Failed error={quote.error} what="The price with tax" />
                ) : (
                  <p className="loading" role="status">
                    Loading…
                  </p>
                )}
              </>
            )
          )}
        </div>
        {noCard && (
          <p className="notice" data-testid="purchase-no-card">
            Add a payment method in <Link to="/billing">Billing &gt; Payment Methods</Link> to purchase credits.
          </p>
        )}
        <button type="submit" className="primary" disabled={!canPurchase}>
          {purchase.isPending ? 'Processing payment…' : 'Purchase Credits'}
        </button>
      </form>
      {purchase.isSuccess &&
        (purchase.data.status === 'pending' ? (
          <p className="success" role="status">
            The payment is being processed; the credits are added as soon as it is confirmed.
          </p>
        ) : (
          <p className="success" role="status">
            {formatCredits(purchase.data.credits)} credits added to your balance.
          </p>
        ))}
      {purchase.isError &&
        (error instanceof ApiError && error.code === 'NO_PAYMENT_METHOD' ? (
          <p className="error" role="alert">
            Add a payment method in <Link to="/billing">Billing &gt; Payment Methods</Link> first.
          </p>
        ) : (
          <p className="error" role="alert">
            {errorMessage(error, 'credits')}
          </p>
        ))}
      {plan.error !== null && unitPrice === null && (
        <p className="error" role="alert">
          The plan’s credit price could not be loaded; prices assume {formatMoney(price.unitCents, price.currency)} per credit.
        </p>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// On-demand usage

interface OnDemand {
  enabled: boolean;
  monthly_limit_credits: number;
}

const MAX_OVERAGE_LIMIT = 100_000_000;

function OnDemandSection() {
  const { orgId } = useSession();
  const headingId = useId();
  const settings = useQuery({
    queryKey: ['settings', orgId, 'on-demand'],
    queryFn: () => api<OnDemand>('GET', `/v1/orgs/${orgId}/settings/on-demand`),
  });
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>On-Demand Usage</h2>
      <p className="muted">
        With on-demand usage on, AI features keep working after your credits run out and the extra usage is billed on your next invoice. With it
        off, AI actions stop when your credits are exhausted.
      </p>
      {settings.isPending ? <Loading /> : settings.isError ? <Failed error={settings.error} what="The on-demand settings" /> : <OnDemandForm initial={settings.data} />}
    </section>
  );
}

function OnDemandForm({ initial }: { initial: OnDemand }) {
  const { orgId, isAdmin } = useSession();
  const queryClient = useQueryClient();
  const helpId = useId();
  const messageId = useId();
  const [enabled, setEnabled] = useState(initial.enabled);
  const [limitText, setLimitText] = useState(String(initial.monthly_limit_credits));
  const [tried, setTried] = useState(false);
  const { price } = usePlanCreditPrice();

  const trimmed = limitText.trim();
  const limit = /^\d+$/.test(trimmed) ? Number(trimmed) : null;
  const problem =
    limit === null ? 'Enter a whole number of credits, 0 or more' : limit > MAX_OVERAGE_LIMIT ? `Enter at most ${formatCredits(MAX_OVERAGE_LIMIT)} credits` : null;

  const save = useMutation({
    mutationFn: (body: OnDemand) => api<OnDemand>('PUT', `/v1/orgs/${orgId}/settings/on-demand`, body),
    onSuccess: (saved) => {
      queryClient.setQueryData(['settings', orgId, 'on-demand'], saved);
      setEnabled(saved.enabled);
      setLimitText(String(saved.monthly_limit_credits));
      void queryClient.invalidateQueries({ queryKey: ['balance', orgId] });
    },
  });

  const edit = () => {
    if (!save.isPending) save.reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (!isAdmin || problem !== null || limit === null || save.isPending) return;
    save.mutate({ enabled, monthly_limit_credits: limit });
  };

  return (
    <form className="on-demand-form" noValidate onSubmit={submit}>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={enabled}
          disabled={!isAdmin}
          onChange={(event) => {
            setEnabled(event.target.checked);
            edit();
          }}
        />
        Enable on-demand usage
      </label>
      <div className="row">
        <label>
          Monthly overage limit (credits)
          <input
            type="number"
            inputMode="numeric"
            min={0}
            step={1}
            value={limitText}
            disabled={!isAdmin}
            aria-invalid={problem !== null}
            aria-describedby={`${helpId} ${messageId}`}
            onChange={(event) => {
              setLimitText(event.target.value);
              edit();
            }}
          />
        </label>
      </div>
      <p className="muted" id={helpId}>
        Use 0 for no cap
      </p>
      <div id={messageId}>
        {problem ? (
          <p className="error" role={tried ? 'alert' : undefined} data-testid="overage-limit-error">
            {problem}
          </p>
        ) : (
          limit !== null && (
            <p data-testid="overage-cap-money" aria-live="polite">
              {!enabled
                ? 'On-demand usage is off: AI stops when your credits run out, and nothing extra is billed.'
                : limit === 0
                  ? 'No cap on extra spend'
                  : `${formatCredits(limit)} credits caps extra spend at ${formatMoney(limit * price.unitCents, price.currency)}`}
            </p>
          )
        )}
      </div>
      {isAdmin ? (
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save Settings'}
        </button>
      ) : (
        <p className="muted">Only admins can change on-demand usage.</p>
      )}
      {save.isSuccess && (
        <p className="success" role="status">
          Settings saved.
        </p>
      )}
      {save.isError && (
        <p className="error" role="alert">
          {errorMessage(save.error, 'monthly_limit_credits')}
        </p>
      )}
    </form>
  );
}
