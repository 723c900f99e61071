import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.js';
import { useSession } from '../auth.js';
import { formatCredits, formatDateTime } from '../format.js';
import { keys, useBalance } from '../queries.js';
import type { NotificationPage } from '../types.js';

/** Every page: the top navigation bar (org, credit balance, notifications, user menu) and the side menu. */
export function AppShell() {
  const { orgName, isAdmin } = useSession();
  return (
    <div className="shell">
      <header className="topbar" role="banner">
        <span className="org-name" title={orgName}>
          {orgName}
        </span>
        <BalanceBadge />
        <NotificationBell />
        <UserMenu />
      </header>
      <nav className="sidenav" aria-label="Main">
        <p className="nav-group">Admin Settings</p>
        <NavLink to="/admin/ai-credits">AI Credits Usage</NavLink>
        <NavLink to="/admin/ai-features">AI Features</NavLink>
        {isAdmin && <NavLink to="/admin/member-limits">Member limits</NavLink>}
        {isAdmin && <NavLink to="/admin/audit-log">Audit log</NavLink>}
        <p className="nav-group">Account</p>
        <NavLink to="/billing">Billing</NavLink>
        <NavLink to="/reports">Reporting &amp; Analytics</NavLink>
        <NavLink to="/profile">Profile</NavLink>
        {!isAdmin && <p className="hint">You are a member: billing and settings are read-only.</p>}
      </nav>
      <main className="page" id="main">
        <Outlet />
      </main>
    </div>
  );
}

function useDismiss(open: boolean, close: () => void) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && close();
    const onClick = (event: MouseEvent) => ref.current && !ref.current.contains(event.target as Node) && close();
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open, close]);
  return ref;
}

function BalanceBadge() {
  const { orgId } = useSession();
  const balance = useBalance(orgId);
  const [open, setOpen] = useState(false);
  const ref = useDismiss(open, () => setOpen(false));
  if (balance.isPending) return <span className="balance">Credits…</span>;
  if (balance.isError || !balance.data) return <span className="balance error">Balance unavailable</span>;
  const data = balance.data;
  const credits = data.plan.remaining + data.purchased.remaining + data.promotional.remaining;
  return (
    <div className="popover-anchor" ref={ref}>
      <button
        type="button"
        className={`balance${data.low_balance ? ' low' : ''}`}
        aria-expanded={open}
        aria-controls="balance-breakdown"
        data-testid="topbar-balance"
        onClick={() => setOpen(!open)}
      >
        <span className="balance-label">AI credits</span> <strong data-testid="topbar-balance-value">{formatCredits(credits)}</strong>
        {data.low_balance && <span className="low-tag"> · Low</span>}
      </button>
      {open && (
        <div className="popover" id="balance-breakdown" role="dialog" aria-label="Credit balance breakdown">
          <dl>
            <dt>Plan credits</dt>
            <dd>{formatCredits(data.plan.remaining)} of {formatCredits(data.plan.granted)}</dd>
            <dt>Purchased credits</dt>
            <dd>{formatCredits(data.purchased.remaining)}</dd>
            {data.promotional.remaining > 0 && (
              <>
                <dt>Promotional credits</dt>
                <dd>{formatCredits(data.promotional.remaining)}</dd>
              </>
            )}
            <dt>On-demand overage</dt>
            <dd>
              {data.overage.enabled
                ? `${formatCredits(data.overage.used)} used of ${data.overage.limit === 0 ? 'no cap' : formatCredits(data.overage.limit)}`
                : 'Off'}
            </dd>
          </dl>
        </div>
      )}
    </div>
  );
}

function NotificationBell() {
  const { orgId } = useSession();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const ref = useDismiss(open, () => setOpen(false));
  const notifications = useQuery({
    queryKey: keys.notifications(orgId),
    queryFn: () => api<NotificationPage>('GET', `/v1/orgs/${orgId}/notifications?limit=20`),
    refetchInterval: 30_000,
  });
  const readAll = useMutation({
    mutationFn: () => api('POST', `/v1/orgs/${orgId}/notifications/read-all`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.notifications(orgId) }),
  });
  const unread = notifications.data?.unread_count ?? 0;
  return (
    <div className="popover-anchor notifications-anchor" ref={ref}>
      <button type="button" className="bell" aria-expanded={open} aria-label={`Notifications, ${unread} unread`} onClick={() => setOpen(!open)}>
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.73 21a2 2 0 0 1-3.46 0" />
        </svg>
        {unread > 0 && <span className="count">{unread}</span>}
      </button>
      {open && (
        <div className="popover notifications" role="dialog" aria-label="Notifications">
          <div className="popover-head">
            <strong>Notifications</strong>
            {unread > 0 && (
              <button type="button" className="link" onClick={() => readAll.mutate()}>
                Mark all read
              </button>
            )}
          </div>
          {notifications.isError && <p className="error">Notifications could not be loaded.</p>}
          {notifications.data?.items.length === 0 && <p className="muted">No notifications.</p>}
          <ul>
            {notifications.data?.items.map((item) => (
              <li key={item.id} className={item.read_at ? '' : 'unread'}>
                <strong>{item.title}</strong>
                <p>{item.body}</p>
                <time dateTime={item.created_at}>{formatDateTime(item.created_at)}</time>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

function UserMenu() {
  const { me, logout } = useSession();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const ref = useDismiss(open, () => setOpen(false));
  return (
    <div className="popover-anchor" ref={ref}>
      <button type="button" className="user" title={me.user.name} aria-expanded={open} aria-haspopup="menu" onClick={() => setOpen(!open)}>
        {me.user.name}
      </button>
      {open && (
        <div className="popover menu" role="menu">
          <button type="button" role="menuitem" onClick={() => (setOpen(false), navigate('/profile'))}>
            Profile
          </button>
          <button type="button" role="menuitem" onClick={() => void logout().then(() => navigate('/'))}>
            Log out
          </button>
        </div>
      )}
    </div>
  );
}
