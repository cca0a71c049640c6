/**
 * The operator console: a Preact single-page app. It reads config.json beside it, signs in
 * with Cognito, then lives on one WebSocket (ticketed) for the visitors grid, the queue and chats.
 */
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { Api } from './api.js';
import { AuthSession, type Tokens, tokenStore } from './auth.js';
import { loadConfig, type ResolvedConfig } from './config.js';
import { OperatorConnection } from './connection.js';
import { watchIdle } from './idle.js';
import { closeNotification, showNotification } from './notify.js';
import { OfflineInbox } from './offline-inbox.js';
import { chime, doorbell, unlockAudio } from './sound.js';
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
  const { store, conn, auth, api, inbox } = useMemo(() => {
    let conn: OperatorConnection | undefined;
    const auth = new AuthSession(cfg, tokens, () => onSignOut('Your session has expired. Please sign in again.'));
    const api = new Api(cfg.apiBase, (force) => auth.idToken(force));
    const inbox = new OfflineInbox(api);
    const store = new ConsoleStore({
      send: (f) => conn?.send(f),
      ring: doorbell,
      chime,
      savePreferences: (p) => api.savePreferences(p),
      loadOperators: () => api.operators(),
      canned: {
        list: () => api.canned(),
        save: (input, id) => api.saveCanned(input, id),
        remove: (id) => api.deleteCanned(id),
      },
      notify: (n) => showNotification(n.tag, n.title, n.body),
      unnotify: (tag) => closeNotification(tag),
      pageVisible: () => document.visibilityState === 'visible',
    });
    conn = new OperatorConnection(cfg, {
      idToken: (force) => auth.idToken(force),
      onEvent: (e) => {
        store.handle(e);
        inbox.handle(e);
      },
      onState: (s) => store.setConnection(s),
      onAuthFailed: () => onSignOut('Your session has expired. Please sign in again.'),
    });
    return { store, conn, auth, api, inbox };
  }, [cfg, tokens, onSignOut]);

  useEffect(() => {
    conn.start();
    const unlock = () => unlockAudio();
    const visible = () => document.visibilityState === 'visible' && store.seen();
    window.addEventListener('pointerdown', unlock, { once: true });
    window.addEventListener('keydown', unlock, { once: true });
    document.addEventListener('visibilitychange', visible);
    const stopIdle = watchIdle(window, {
      idleMs: () => store.state.settings.autoAwayMs ?? 0,
      onIdle: () => store.idle(),
      onActive: () => store.active(),
    });
    // Long-departed visitors leave the grid (the grid itself re-derives "departed" every second).
    const prune = setInterval(() => store.prune(), 15_000);
    // An admin may change the site's settings in another console: pick them up now and then
    // (every welcome, after any reconnect, carries them too).
    const refresh = setInterval(
      () =>
        api.settings().then(
          (s) => store.setSettings(s),
          () => {},
        ),
      5 * 60_000,
    );
    return () => {
      stopIdle();
      clearInterval(prune);
      clearInterval(refresh);
      window.removeEventListener('keydown', unlock);
      conn.stop();
      auth.dispose();
      window.removeEventListener('pointerdown', unlock);
      document.removeEventListener('visibilitychange', visible);
    };
  }, [conn, auth, store, api]);

  return (
    <Workspace
      store={store}
      api={api}
      inbox={inbox}
      siteId={cfg.siteId}
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
