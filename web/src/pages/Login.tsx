import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage, setCsrfToken } from '../api.js';
import { keys } from '../queries.js';
import type { Me } from '../types.js';
import type { SignedOutReason } from '../auth.js';

const SIGNED_OUT: Record<SignedOutReason, string> = {
  'logged-out': 'You have logged out.',
  expired: 'Your session has ended. Sign in again to go on.',
};

export function LoginPage() {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // Set by signOut (auth.tsx); nothing is fetched.
  const signedOut = useQuery<SignedOutReason | null>({ queryKey: keys.signedOut(), queryFn: () => null, enabled: false, initialData: null }).data;
  const login = useMutation({
    mutationFn: () => api<Me>('POST', '/v1/auth/login', { email, password }),
    onSuccess: (me) => {
      setCsrfToken(me.csrf_token);
      queryClient.setQueryData(keys.signedOut(), null);
      queryClient.setQueryData(keys.me(), me);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Loupe Factory</h1>
        {signedOut && !login.isError && (
          <p className="notice" role="status">
            {SIGNED_OUT[signedOut]}
          </p>
        )}
        <label>
          E-mail
          <input type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label>
          Password
          <input type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        {login.isError && (
          <p className="error" role="alert">
            {errorMessage(login.error)}
          </p>
        )}
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
