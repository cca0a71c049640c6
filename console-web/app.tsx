/**
 * The operator console: a Preact single-page app. It reads config.json beside it, signs in
 * with Cognito, then lives on one WebSocket (ticketed) for the visitors grid, the queue and chats.
 */
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { AuthSession, type Tokens, tokenStore } from './auth.js';
import { loadConfig, type ResolvedConfig } from './config.js';
import { OperatorConnection } from './connection.js';
import { doorbell, unlockAudio } from './sound.js';
import { ConsoleStore } from './store.js';
import { SignIn } from './ui/SignIn.js';
import { Workspace } from './ui/Workspace.js';

function App({ cfg }: { cfg: ResolvedConfig }) {
  // Stored tokens are used even when the IdToken has expired: the refresh token renews them.
  const [tokens, setTokens] = useState<Tokens | null>(() => tokenStore.load());
  const [notice, setNotice] = useState<string | undefined>();
  const signOut = useCallback((why?: string) => {
    tokenStore.clear();
    setNotice(why);
    setTokens(null);
  }, []);
  if (!tokens) {
    return (
      <SignIn
        cfg={cfg}
        notice={notice}
        onSignedIn={(t) => {
          setNotice(undefined);
          setTokens(t);
        }}
      />
    );
  }
  return <Session key={tokens.idToken} cfg={cfg} tokens={tokens} onSignOut={signOut} />;
}

function Session({
  cfg,
  tokens,
  onSignOut,
}: {
  cfg: ResolvedConfig;
  tokens: Tokens;
  onSignOut: (why?: string) => void;
}) {
  const { store, conn, auth } = useMemo(() => {
    let conn: OperatorConnection | undefined;
    const store = new ConsoleStore({
      send: (f) => conn?.send(f),
      ring: doorbell,
      pageVisible: () => document.visibilityState === 'visible',
    });
    const auth = new AuthSession(cfg, tokens, () => onSignOut('Your session has expired. Please sign in again.'));
    conn = new OperatorConnection(cfg, {
      idToken: (force) => auth.idToken(force),
      onEvent: (e) => store.handle(e),
      onState: (s) => store.setConnection(s),
      onAuthFailed: () => onSignOut('Your session has expired. Please sign in again.'),
    });
    return { store, conn, auth };
  }, [cfg, tokens, onSignOut]);

  useEffect(() => {
    conn.start();
    const unlock = () => unlockAudio();
    const visible = () => document.visibilityState === 'visible' && store.seen();
    window.addEventListener('pointerdown', unlock, { once: true });
    document.addEventListener('visibilitychange', visible);
    return () => {
      conn.stop();
      auth.dispose();
      window.removeEventListener('pointerdown', unlock);
      document.removeEventListener('visibilitychange', visible);
    };
  }, [conn, auth, store]);

  return (
    <Workspace
      store={store}
      email={auth.email}
      onSignOut={() => {
        auth.signOut();
        onSignOut();
      }}
    />
  );
}

function Fatal({ message }: { message: string }) {
  return (
    <main class="signin">
      <div class="signin-card">
        <h1>The console cannot start</h1>
        <p class="signin-error" role="alert">
          {message}
        </p>
      </div>
    </main>
  );
}

const mountPoint = document.getElementById('app') || document.body;
loadConfig().then(
  (cfg) => render(<App cfg={cfg} />, mountPoint),
  (err) => render(<Fatal message={err instanceof Error ? err.message : String(err)} />, mountPoint),
);
