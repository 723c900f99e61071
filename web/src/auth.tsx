import { createContext, useContext, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken } from './api.js';
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
    queryKey: ['me'],
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
      await api('POST', '/v1/auth/logout');
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(['me'], null);
    },
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
