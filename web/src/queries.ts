import { useInfiniteQuery, useQuery, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { api, ApiError } from './api.js';
import type { AiFeatures, Balance, InvoicePage, MemberUsage, Org, PaymentMethod, Plan, UpcomingInvoice } from './types.js';

/** The settings of an org the app reads and writes (`/v1/orgs/{org}/settings/…`). */
type SettingsName = 'ai-features' | 'on-demand' | 'notifications' | 'auto-recharge';

/**
 * Every cached answer's key, made here only: the same data has one key on every page, so a change
 * made on one page is seen on all. A key that starts with another one is refreshed with it.
 */
export const keys = {
  me: () => ['me'] as const,
  /** Why the sign-in page is shown again; set by signOut, never fetched. */
  signedOut: () => ['signed-out'] as const,
  config: () => ['config'] as const,
  plans: () => ['plans'] as const,
  invitation: (token: string) => ['invitation', token] as const,
  org: (orgId: string) => ['org', orgId] as const,
  balance: (orgId: string) => ['balance', orgId] as const,
  notifications: (orgId: string) => ['notifications', orgId] as const,
  members: (orgId: string) => ['members', orgId] as const,
  settings: (orgId: string, name: SettingsName) => ['settings', orgId, name] as const,
  paymentMethods: (orgId: string) => ['payment-methods', orgId] as const,
  /** The invoice list; also the start of every invoice's own key. */
  invoices: (orgId: string) => ['invoices', orgId] as const,
  invoice: (orgId: string, invoiceId: string) => [...keys.invoices(orgId), invoiceId] as const,
  /** The invoices waiting for payment, and the draft of the next one: refreshed with the invoice list. */
  openInvoices: (orgId: string) => [...keys.invoices(orgId), 'open'] as const,
  upcomingInvoice: (orgId: string) => [...keys.invoices(orgId), 'upcoming'] as const,
  billingHistory: (orgId: string) => ['billing-history', orgId] as const,
  creditNote: (orgId: string, creditNoteId: string) => ['credit-note', orgId, creditNoteId] as const,
  creditQuote: (orgId: string, credits: number | null) => ['credit-quote', orgId, credits] as const,
  /** Every page of usage, whatever the filters. */
  usage: (orgId: string) => ['usage', orgId] as const,
  usagePage: (orgId: string, filters: string, cursor: string | null) => [...keys.usage(orgId), filters, cursor] as const,
  usageSummary: (orgId: string) => ['usage-summary', orgId] as const,
  /** `query`: the trends request's query string (grouping, interval, range). */
  usageTrends: (orgId: string, query: string) => ['usage-trends', orgId, query] as const,
  /** The per-member monthly limits (admins); `memberUsage`: each user's credits this period against them. */
  userLimits: (orgId: string) => ['settings', orgId, 'user-limits'] as const,
  memberUsage: (orgId: string) => ['member-usage', orgId] as const,
  /** `filters`: the audit log request's query string (dates, person, kind of change). */
  auditLog: (orgId: string, filters: string) => ['audit-log', orgId, filters] as const,
};

/**
 * After anything that moves money or changes the subscription (a plan change, a purchase, a card
 * added or removed): everything such a change can alter is fetched again, on whichever page shows it.
 */
export function refreshAfterMoneyChange(queryClient: QueryClient, orgId: string): void {
  const changed = [
    keys.org(orgId),
    keys.balance(orgId),
    keys.notifications(orgId),
    keys.paymentMethods(orgId),
    keys.invoices(orgId),
    keys.billingHistory(orgId),
    keys.usage(orgId),
  ];
  for (const queryKey of changed) void queryClient.invalidateQueries({ queryKey });
}

export function useOrg(orgId: string) {
  return useQuery({ queryKey: keys.org(orgId), queryFn: () => api<Org>('GET', `/v1/orgs/${orgId}`) });
}

/** The plan catalogue: the same for every org, and rarely changed. */
export function usePlans() {
  return useQuery({ queryKey: keys.plans(), queryFn: () => api<{ items: Plan[] }>('GET', '/v1/plans'), staleTime: 5 * 60_000 });
}

/** The credit balance, shown in the top bar of every page: kept fresh while AI is used elsewhere. */
export function useBalance(orgId: string) {
  return useQuery({ queryKey: keys.balance(orgId), queryFn: () => api<Balance>('GET', `/v1/orgs/${orgId}/balance`), refetchInterval: 30_000 });
}

/** The org's saved cards (admins only), shared by Billing and the purchase form. */
export function usePaymentMethods(orgId: string, enabled = true) {
  return useQuery({
    queryKey: keys.paymentMethods(orgId),
    queryFn: () => api<{ items: PaymentMethod[] }>('GET', `/v1/orgs/${orgId}/payment-methods`),
    enabled,
  });
}

/** Which AI modules are on: switched on AI Features, and the feature filter of the usage history. */
export function useAiFeatures(orgId: string) {
  return useQuery({ queryKey: keys.settings(orgId, 'ai-features'), queryFn: () => api<AiFeatures>('GET', `/v1/orgs/${orgId}/settings/ai-features`) });
}

/** A list the API answers a page at a time (`?limit=…&cursor=…`); "Show older …" fetches the next page. */
export function usePagedList<Page extends { next_cursor: string | null }>({ queryKey, path, limit }: { queryKey: QueryKey; path: string; limit: number }) {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => api<Page>('GET', `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** How many of the newest invoices are searched for open ones: an invoice stays open days, not hundreds of invoices. */
const OPEN_INVOICE_SEARCH_LIMIT = 100;

/** The invoices still waiting for payment, oldest first (the order they are due). */
export function useOpenInvoices(orgId: string) {
  return useQuery({
    queryKey: keys.openInvoices(orgId),
    queryFn: () => api<InvoicePage>('GET', `/v1/orgs/${orgId}/invoices?limit=${OPEN_INVOICE_SEARCH_LIMIT}`),
    select: (page) => page.items.filter((invoice) => invoice.status === 'open').reverse(),
  });
}

/** The draft of the next period invoice; null when nothing more will be billed (the subscription ends or has ended). */
export function useUpcomingInvoice(orgId: string) {
  return useQuery({
    queryKey: keys.upcomingInvoice(orgId),
    queryFn: () =>
      api<UpcomingInvoice>('GET', `/v1/orgs/${orgId}/invoices/upcoming`).catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'NO_UPCOMING_INVOICE') return null;
        throw error;
      }),
  });
}

/** Each user's credits this period and monthly limit: every user for an admin, a member's own line for a member. */
export function useMemberUsage(orgId: string) {
  return useQuery({ queryKey: keys.memberUsage(orgId), queryFn: () => api<{ items: MemberUsage[] }>('GET', `/v1/orgs/${orgId}/usage/users`) });
}
