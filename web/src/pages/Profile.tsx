import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../api.js';
import { useSession } from '../auth.js';
import { keys } from '../queries.js';

/** Profile: change your name and password. */
export function ProfilePage() {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState(me.user.name);
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const saveName = useMutation({
    mutationFn: () => api('PATCH', '/v1/auth/me', { name }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.me() }),
  });
  const savePassword = useMutation({
    mutationFn: () => api('PATCH', '/v1/auth/me', { current_password: currentPassword, new_password: newPassword }),
    onSuccess: () => {
      setCurrentPassword('');
      setNewPassword('');
    },
  });
  return (
    <>
      <h1>Profile</h1>
      <form className="card" onSubmit={(event: FormEvent) => (event.preventDefault(), saveName.mutate())}>
        <h2>Your name</h2>
        <p className="muted">Signed in as {me.user.email}</p>
        <div className="row">
          <label>
            Name
            <input value={name} required maxLength={200} onChange={(event) => setName(event.target.value)} />
          </label>
          <button type="submit" className="primary" disabled={saveName.isPending}>
            Save name
          </button>
        </div>
        {saveName.isSuccess && <p className="success" role="status">Name saved.</p>}
        {saveName.isError && <p className="error" role="alert">{errorMessage(saveName.error, 'name')}</p>}
      </form>
      <form className="card" onSubmit={(event: FormEvent) => (event.preventDefault(), savePassword.mutate())}>
        <h2>Password</h2>
        <div className="row">
          <label>
            Current password
            <input type="password" autoComplete="current-password" required value={currentPassword} onChange={(event) => setCurrentPassword(event.target.value)} />
          </label>
          <label>
            New password
            <input type="password" autoComplete="new-password" required minLength={8} value={newPassword} onChange={(event) => setNewPassword(event.target.value)} />
          </label>
          <button type="submit" className="primary" disabled={savePassword.isPending}>
            Change password
          </button>
        </div>
        {savePassword.isSuccess && <p className="success" role="status">Password changed.</p>}
        {savePassword.isError && <p className="error" role="alert">{errorMessage(savePassword.error, 'new_password')}</p>}
      </form>
    </>
  );
}
