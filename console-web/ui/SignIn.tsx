import { useState } from 'preact/hooks';
import { CognitoError, completeNewPassword, signIn, signInErrorText, type Tokens } from '../auth.js';
import type { ResolvedConfig } from '../config.js';
import { unlockAudio } from '../sound.js';

type Step = { kind: 'password' } | { kind: 'new-password'; session: string; username: string };

export function SignIn({
  cfg,
  onSignedIn,
  notice,
}: {
  cfg: ResolvedConfig;
  onSignedIn: (t: Tokens) => void;
  notice?: string;
}) {
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    unlockAudio();
    setError(undefined);
    setBusy(true);
    try {
      if (step.kind === 'password') {
        const r = await signIn(cfg, email.trim(), password);
        if (r.kind === 'signed-in') onSignedIn(r.tokens);
        else {
          setStep({ kind: 'new-password', session: r.session, username: r.username });
          setPassword('');
        }
      } else {
        if (newPassword !== confirm) {
          setError('The two passwords are not the same.');
          return;
        }
        onSignedIn(await completeNewPassword(cfg, step.username, newPassword, step.session, email.trim()));
      }
    } catch (err) {
      setError(signInErrorText(err, step.kind === 'password' ? 'sign-in' : 'new-password'));
      // The challenge session expired: back to e-mail and password.
      if (step.kind === 'new-password' && err instanceof CognitoError && err.code === 'NotAuthorizedException') {
        setStep({ kind: 'password' });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit}>
        <div class="brand brand-lg">
          <span class="logo" aria-hidden="true">
            P
          </span>
          <span>Parley</span>
        </div>
        {step.kind === 'password' ? (
          <>
            <h1>Sign in to the console</h1>
            <p class="muted">Answer your visitors in real time.</p>
            {notice && <p class="signin-notice">{notice}</p>}
            <label>
              E-mail
              <input
                data-testid="signin-email"
                type="email"
                autocomplete="username"
                required
                value={email}
                onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <label>
              Password
              <input
                data-testid="signin-password"
                type="password"
                autocomplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
          </>
        ) : (
          <>
            <h1>Choose a new password</h1>
            <p class="muted">This is your first sign-in. Set a password of your own to continue.</p>
            <label>
              New password
              <input
                data-testid="signin-new-password"
                type="password"
                autocomplete="new-password"
                required
                minLength={8}
                value={newPassword}
                onInput={(e) => setNewPassword((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <label>
              Repeat the new password
              <input
                data-testid="signin-confirm-password"
                type="password"
                autocomplete="new-password"
                required
                value={confirm}
                onInput={(e) => setConfirm((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
          </>
        )}
        {error && (
          <p class="signin-error" role="alert" data-testid="signin-error">
            {error}
          </p>
        )}
        <button class="btn btn-primary btn-block" type="submit" data-testid="signin-submit" disabled={busy}>
          {busy ? 'Signing in…' : step.kind === 'password' ? 'Sign in' : 'Set password and sign in'}
        </button>
      </form>
    </main>
  );
}
