import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { isSessionEnded, SessionProvider, signOut, useMe } from './auth.js';
import { ApiError } from './api.js';
import { AppShell } from './components/AppShell.js';
import { LoginPage } from './pages/Login.js';
import { AiCreditsUsagePage } from './pages/ai-credits/AiCreditsUsagePage.js';
import { AiFeaturesPage } from './pages/AiFeatures.js';
import { MemberLimitsPage } from './pages/MemberLimitsPage.js';
import { AuditLogPage } from './pages/AuditLogPage.js';
import { BillingPage } from './pages/billing/BillingPage.js';
import { InvoiceDetailPage } from './pages/billing/InvoiceDetailPage.js';
import { CreditNotePage } from './pages/billing/CreditNotePage.js';
import { BillingFaqPage } from './pages/BillingFaqPage.js';
import { PricingPage } from './pages/PricingPage.js';
import { ProfilePage } from './pages/Profile.js';
import { AcceptInvitationPage } from './pages/AcceptInvitation.js';
import './styles.css';

// The charts library is large: the reports page loads it only when opened.
const ReportsPage = lazy(() => import('./pages/Reports.js').then((module) => ({ default: module.ReportsPage })));

/** A session that ends while a page is open (expired, revoked, logged out elsewhere) lands on the sign-in page. */
const onError = (error: unknown) => {
  if (isSessionEnded(error, queryClient)) signOut(queryClient, 'expired');
};
const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: { queries: { retry: (failures, error) => !(error instanceof ApiError && error.status === 401) && failures < 1, refetchOnWindowFocus: false } },
});

function App() {
  const me = useMe();
  if (me.isPending) return <p className="loading" role="status">Loading…</p>;
  if (me.isError) return <p className="error" role="alert">The service cannot be reached. Reload to try again.</p>;
  if (!me.data) {
    return (
      <Routes>
        <Route path="/accept-invitation" element={<AcceptInvitationPage />} />
        <Route path="*" element={<LoginPage />} />
      </Routes>
    );
  }
  return (
    <SessionProvider me={me.data}>
      <Routes>
        <Route path="/accept-invitation" element={<AcceptInvitationPage />} />
        <Route element={<AppShell />}>
          <Route path="/admin/ai-credits" element={<AiCreditsUsagePage />} />
          <Route path="/admin/ai-features" element={<AiFeaturesPage />} />
          <Route path="/admin/member-limits" element={<MemberLimitsPage />} />
          <Route path="/admin/audit-log" element={<AuditLogPage />} />
          <Route path="/billing" element={<BillingPage />} />
          <Route path="/billing/invoices/:invoiceId" element={<InvoiceDetailPage />} />
          <Route path="/billing/credit-notes/:creditNoteId" element={<CreditNotePage />} />
          {/* Under /billing, so that the side navigation's Billing stays marked; /pricing is the name the help page uses. */}
          <Route path="/billing/plans" element={<PricingPage />} />
          <Route path="/pricing" element={<Navigate to="/billing/plans" replace />} />
          <Route path="/billing/faq" element={<BillingFaqPage />} />
          <Route
            path="/reports"
            element={
              <Suspense fallback={<p role="status">Loading…</p>}>
                <ReportsPage />
              </Suspense>
            }
          />
          <Route path="/profile" element={<ProfilePage />} />
          <Route path="*" element={<Navigate to="/admin/ai-credits" replace />} />
        </Route>
      </Routes>
    </SessionProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
