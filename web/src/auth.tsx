import { createContext, useContext, type ReactNode } from 'react';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken } from './api.js';
import { keys } from './queries.js';
import type { Me } from './types.js';

interface Session {
  readonly me: Me;
  readonly orgId: string;
  readonly orgName: string;
  readonly isAdmin: boolean;
  logout(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** The signed-in user, or null while signed out; the first org is the one shown. */
export function useMe() {
  return useQuery({
    queryKey: keys.me(),
    queryFn: async () => {
      try {
        const me = await api<Me>('GET', '/v1/auth/me');
        setCsrfToken(me.csrf_token);
        return me;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

/** Why the sign-in page is shown again: the person logged out, or their session ended on its own. */
export type SignedOutReason = 'logged-out' | 'expired';

/**
 * Back to the sign-in page, at once: the signed-in user becomes null (App shows the sign-in page) and
 * every other answer cached for the old session is dropped, so nothing of it is shown to the next person.
 * `me` is set before the rest is removed: its observer must see the change, not a removed query.
 */
export function signOut(queryClient: QueryClient, reason: SignedOutReason): void {
  setCsrfToken(null);
  queryClient.setQueryData(keys.signedOut(), reason);
  queryClient.setQueryData(keys.me(), null);
  const kept: readonly unknown[] = [keys.me()[0], keys.signedOut()[0]];
  queryClient.removeQueries({ predicate: (query) => !kept.includes(query.queryKey[0]) });
}

/**
 * An answer "sign in first" (401) to a request sent during the current session: it ended. A late
 * answer to a request of an earlier session (sent before this sign-in) says nothing about this one.
 */
export function isSessionEnded(error: unknown, queryClient: QueryClient): boolean {
  if (!(error instanceof ApiError) || error.status !== 401 || !queryClient.getQueryData(keys.me())) return false;
  return error.sentAt >= (queryClient.getQueryState(keys.me())?.dataUpdatedAt ?? 0);
}

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  const queryClient = useQueryClient();
  const org = me.orgs[0];
  if (!org) return <p className="page">You are not a member of any organization.</p>;
  const session: Session = {
    me,
    orgId: org.id,
    orgName: org.name,
    isAdmin: org.role === 'admin',
    async logout() {
      // Signed out here whatever the answer: a session the server already ended is just as ended.
      await api('POST', '/v1/auth/logout').catch(() => undefined);
      signOut(queryClient, 'logged-out');
    },
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
