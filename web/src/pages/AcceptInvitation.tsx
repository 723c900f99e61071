import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, ApiError, errorMessage, setCsrfToken } from '../api.js';
import { keys } from '../queries.js';
import type { InvitationPreview, Me } from '../types.js';

/** The token is in the link's fragment (#token=…), which the browser never sends to a server. */
function tokenFromLink(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

const PASSWORD_MIN_LENGTH = 8;

/**
 * The page an invitation e-mail links to: the invitee sees which organization invited them and
 * chooses their own password (or signs in with their existing account's) to join.
 */
export function AcceptInvitationPage() {
  const [token] = useState(tokenFromLink);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const preview = useQuery({
    queryKey: keys.invitation(token),
    queryFn: () => api<InvitationPreview>('POST', '/v1/invitations/preview', { token }),
    enabled: token !== '',
    retry: false,
  });
  const accept = useMutation({
    mutationFn: () => api<Me>('POST', '/v1/invitations/accept', { token, password, ...(preview.data?.existing_account ? {} : { name: name ?? preview.data?.name }) }),
    onSuccess: (me) => {
      setCsrfToken(me.csrf_token);
      queryClient.setQueryData(keys.me(), me);
      window.history.replaceState(null, '', '/');
      void navigate('/admin/ai-credits', { replace: true });
    },
  });
  const invitation = preview.data;
  const mismatch = invitation !== undefined && !invitation.existing_account && confirmation !== '' && confirmation !== password;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mismatch) return;
    accept.mutate();
  };

  if (token === '' || preview.isError) {
    const invalid = token === '' || (preview.error instanceof ApiError && preview.error.status === 404);
    return (
      <main className="login">
        <section className="card login-card" aria-labelledby="invitation-title">
          <h1 id="invitation-title">This invitation cannot be used</h1>
          <p role="alert">
            {invalid
              ? 'The link was already used, was withdrawn, or has expired. Ask an admin of your organization to invite you again.'
              : errorMessage(preview.error)}
          </p>
          <a href="/">Go to sign in</a>
        </section>
      </main>
    );
  }
  if (!invitation) return <p className="loading" role="status">Loading the invitation…</p>;

  const roleText = invitation.role === 'admin' ? 'an admin' : 'a member';
  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} aria-labelledby="invitation-title">
        <h1 id="invitation-title">Join {invitation.org.name}</h1>
        <p>
          You are invited to join {invitation.org.name} as {roleText}, with the e-mail <strong>{invitation.email}</strong>.{' '}
          {invitation.existing_account
            ? 'You have an account already: enter its password to join.'
            : 'Choose a password to create your account.'}
        </p>
        {!invitation.existing_account && (
          <label>
            Your name
            <input type="text" autoComplete="name" required maxLength={200} value={name ?? invitation.name} onChange={(event) => setName(event.target.value)} />
          </label>
        )}
        <input type="email" autoComplete="username" value={invitation.email} readOnly hidden />
        <label>
          {invitation.existing_account ? 'Password' : 'Choose a password'}
          <input
            type="password"
            autoComplete={invitation.existing_account ? 'current-password' : 'new-password'}
            required
            minLength={PASSWORD_MIN_LENGTH}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-describedby={invitation.existing_account ? undefined : 'password-hint'}
          />
        </label>
        {!invitation.existing_account && (
          <>
            <p id="password-hint" className="hint">
              At least {PASSWORD_MIN_LENGTH} characters.
            </p>
            <label>
              Repeat the password
              <input type="password" autoComplete="new-password" required value={confirmation} onChange={(event) => setConfirmation(event.target.value)} aria-invalid={mismatch} />
            </label>
            {mismatch && (
              <p className="error" role="alert">
                The two passwords are not the same.
              </p>
            )}
          </>
        )}
        {accept.isError && (
          <p className="error" role="alert">
            {errorMessage(accept.error, 'password')}
          </p>
        )}
        <button type="submit" className="primary" disabled={accept.isPending || mismatch}>
          {accept.isPending ? 'Joining…' : `Join ${invitation.org.name}`}
        </button>
        <p className="hint">This invitation expires on {new Date(invitation.expires_at).toLocaleDateString('en-US', { dateStyle: 'long' })}.</p>
      </form>
    </main>
  );
}
