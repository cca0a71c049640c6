import { useEffect, useState } from 'preact/hooks';
import type { OperatorStatus } from '../../functions/protocol/schemas.js';
import type { Api } from '../api.js';
import { initials } from '../format.js';
import { askNotificationPermission } from '../notify.js';
import type { OfflineInbox } from '../offline-inbox.js';
import type { ConsoleStore } from '../store.js';
import { AdminTeam } from './AdminTeam.js';
import { ChatArea } from './ChatArea.js';
import { ConfirmAccept } from './ConfirmAccept.js';
import { EmbedGenerator } from './EmbedGenerator.js';
import { useStore } from './hooks.js';
import { IncomingDialog } from './IncomingDialog.js';
import { InviteDialog } from './InviteDialog.js';
import { MessageQueue, useInbox } from './MessageQueue.js';
import { Reports } from './Reports.js';
import { Settings } from './Settings.js';
import { SidePanel } from './SidePanel.js';
import { SummaryBar } from './SummaryBar.js';
import { VisitorInfo } from './VisitorInfo.js';
import { VisitorsGrid } from './VisitorsGrid.js';

type View = 'monitor' | 'messages' | 'reports' | 'embed' | 'team' | 'settings';
const VIEWS: { id: View; label: string; admin?: boolean }[] = [
  { id: 'monitor', label: 'Visitors & chats' },
  { id: 'messages', label: 'Message Queue' },
  { id: 'reports', label: 'Reports' },
  { id: 'embed', label: 'Embed', admin: true },
  { id: 'team', label: 'Team', admin: true },
  { id: 'settings', label: 'Settings' },
];

const BASE_TITLE = 'Parley Console';

export function Workspace({
  store,
  api,
  inbox,
  siteId,
  email,
  onSignOut,
}: {
  store: ConsoleStore;
  api: Api;
  inbox: OfflineInbox;
  siteId: string;
  email: string;
  onSignOut: () => void;
}) {
  const s = useStore(store);
  const offline = useInbox(inbox);
  const waiting = store.queue().length;
  const [view, setView] = useState<View>('monitor');
  const selected = s.selected && s.visitors[s.selected] ? s.selected : undefined;

  // The tab-title badge: requests waiting (the seed's door-bell has no second ring: the title keeps count).
  useEffect(() => {
    document.title = waiting > 0 ? `(${waiting}) ${BASE_TITLE}` : BASE_TITLE;
  }, [waiting]);
  useEffect(
    () => () => {
      document.title = BASE_TITLE;
    },
    [],
  );

  return (
    <div class="app">
      <TopBar
        store={store}
        email={email}
        onSignOut={onSignOut}
        view={view}
        setView={setView}
        waiting={waiting}
        newMessages={offline.newCount}
      />
      {s.connection !== 'open' && (
        <div class="banner" role="status">
          {s.me ? 'Connection lost. Reconnecting…' : 'Connecting…'}
        </div>
      )}
      <div class={selected ? 'main with-info' : 'main'} hidden={view !== 'monitor'}>
        <div class={s.tabs.length ? 'left' : 'left no-chats'}>
          <VisitorsGrid store={store} />
          <ChatArea store={store} />
        </div>
        {selected ? (
          <VisitorInfo key={selected} store={store} api={api} visitorId={selected} />
        ) : (
          <SidePanel store={store} />
        )}
      </div>
      {view === 'reports' && <Reports api={api} />}
      {view === 'messages' && <MessageQueue inbox={inbox} />}
      {view === 'embed' && s.me?.role === 'admin' && (
        <EmbedGenerator api={api} siteId={siteId} widgetUrl={new URL('../widget/parley.js', location.href).href} />
      )}
      {view === 'team' && s.me?.role === 'admin' && <AdminTeam api={api} me={s.me} />}
      {view === 'settings' && <Settings store={store} api={api} />}
      <SummaryBar
        store={store}
        onOpenChats={() => {
          setView('monitor');
          if (s.tabs.length) store.showOverview();
        }}
        newMessages={offline.newCount}
        onOpenMessages={() => setView('messages')}
      />
      <IncomingDialog store={store} />
      <ConfirmAccept store={store} />
      <InviteDialog store={store} />
      <Toasts store={store} />
    </div>
  );
}

function TopBar({
  store,
  email,
  onSignOut,
  view,
  setView,
  waiting,
  newMessages,
}: {
  store: ConsoleStore;
  email: string;
  onSignOut: () => void;
  view: View;
  setView: (v: View) => void;
  waiting: number;
  /** New offline messages (the Message Queue's badge). */
  newMessages: number;
}) {
  const s = store.state;
  const me = s.me;
  const name = me?.name || email;
  const status = me?.status || 'offline';
  return (
    <header class="topbar">
      <div class="brand">
        <span class="logo" aria-hidden="true">
          P
        </span>
        <span>Parley</span>
        <span class="brand-sub">Console</span>
      </div>
      <nav class="nav" aria-label="Console sections">
        {VIEWS.filter((v) => !v.admin || me?.role === 'admin').map((v) => (
          <button
            type="button"
            key={v.id}
            class={view === v.id ? 'nav-btn on' : 'nav-btn'}
            aria-current={view === v.id ? 'page' : undefined}
            data-testid={`nav-${v.id}`}
            onClick={() => setView(v.id)}
          >
            {v.label}
            {v.id === 'monitor' && waiting > 0 && view !== 'monitor' && (
              <span class="badge badge-alert">{waiting}</span>
            )}
            {v.id === 'messages' && newMessages > 0 && (
              <span class="badge badge-alert" data-testid="nav-messages-count" title={`${newMessages} new`}>
                {newMessages}
              </span>
            )}
          </button>
        ))}
      </nav>
      <span class={`conn conn-${s.connection}`} title={s.connection === 'open' ? 'Connected' : 'Reconnecting'}>
        <span class="conn-dot" />
        {s.connection === 'open' ? 'Live' : s.connection === 'connecting' ? 'Connecting' : 'Offline'}
      </span>
      <div class="spacer" />
      <div class="me">
        <span class="avatar avatar-sm" aria-hidden="true">
          {initials(name)}
        </span>
        <span class="me-name">{name}</span>
      </div>
      <label class={`status-select status-${status}`}>
        <span class="sr-only">Your status</span>
        <span class="status-dot" aria-hidden="true" />
        <select
          data-testid="operator-status"
          value={status}
          disabled={!me}
          onChange={(e) => {
            const next = (e.currentTarget as HTMLSelectElement).value as OperatorStatus;
            // Going online is the moment to ask (once) for desktop notifications of new requests.
            if (next === 'online') void askNotificationPermission();
            store.setStatus(next);
          }}
        >
          <option value="online">Online</option>
          <option value="away">Away</option>
          <option value="offline">Offline</option>
        </select>
      </label>
      <button type="button" class="btn btn-ghost" onClick={onSignOut} data-testid="sign-out">
        Sign out
      </button>
    </header>
  );
}

function Toasts({ store }: { store: ConsoleStore }) {
  const toasts = store.state.toasts;
  return (
    <div class="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          class={`toast toast-${t.kind}`}
          data-testid="toast"
          role={t.kind === 'error' ? 'alert' : 'status'}
        >
          <span>{t.text}</span>
          <button type="button" class="toast-x" aria-label="Dismiss" onClick={() => store.dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
