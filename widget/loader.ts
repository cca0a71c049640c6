/**
 * parley.js — the loader a site embeds:
 *   <script async src="https://HOST/widget/parley.js" data-site="SITE_ID"></script>
 *
 * Plain DOM, kept tiny. It owns the WebSocket (connect with the page view in its URL, `pv`, so
 * the server records it and pushes the welcome by itself; a page-view frame on every reconnect, on
 * every single-page-app route change, and when `pv` would make the URL too long; reconnect with
 * backoff), keeps the signed visitor token, shows the launcher button in a shadow root (at once,
 * from the previous page's snapshot, until the welcome arrives), and loads chat.js (Preact) from
 * its own directory only when a chat opens or an invitation arrives (chat.js shows the invitation
 * popup).
 *
 * Custom visitor information, shown to operators (at most 20 pairs, values up to 256 characters):
 * - any other data-* attribute of the script tag, key camelCased:
 *     <script async src=".../widget/parley.js" data-site="SITE_ID" data-plan="gold" data-user-id="42"></script>
 *   gives {plan: 'gold', userId: '42'} (data-site, data-lang and data-nonce are the widget's own);
 * - a tiny JS API, usable before the loader has arrived (calls are queued and replayed):
 *     <script>
 *       window.parley = window.parley || function () { (window.parley.q = window.parley.q || []).push(arguments); };
 *       parley('set', { plan: 'gold', cartValue: 129 });
 *     </script>
 *   `set` merges into what is known (a later value overwrites an earlier one) and reaches operators at once.
 */
import type { ServerEvent, VisitorWelcome, WidgetSettings } from '../functions/protocol/events.js';
import { LIMITS } from '../functions/protocol/limits.js';
import { welcomeDigest } from '../functions/protocol/welcome-digest.js';
import { launcherButton } from './button.js';
import { backoffDelay } from './core/backoff.js';
import { type ButtonSnapshot, type PageFields, pageFields, readSnapshot, withPageView } from './core/connect.js';
import type { VisitorFrame } from './core/frames.js';
import { customFromDataset, hookHistory, mergeCustom, routeWatcher } from './core/tracking.js';
import type { ChatModule, ChatWindow, HostEvent, LoaderHost } from './host.js';
import { BUTTON_LABELS, type ButtonLabels, pickLang } from './i18n.js';
import css from './loader.css';
import { theme } from './theme.js';

type ParleyApi = ((command: string, arg?: unknown) => void) & { q?: ArrayLike<unknown>[] };
type ParleyGlobal = { __parley?: boolean; parley?: ParleyApi };

(() => {
  const d = document;
  const g = window as unknown as ParleyGlobal;
  const script = (d.currentScript || d.querySelector('script[src*="/widget/parley.js"]')) as HTMLScriptElement | null;
  const site = script?.getAttribute('data-site');
  if (!script || !site || g.__parley) return;
  g.__parley = true;

  const src = new URL(script.src, location.href);
  const base = src.href.replace(/[?#].*$/, '').replace(/[^/]*$/, '');
  const wsUrl = `${src.origin.replace(/^http/, 'ws')}/ws?role=visitor&site=${encodeURIComponent(site)}`;
  const tokenKey = `parley:vt:${site}`;
  const snapKey = `parley:w:${site}`;

  /** Reads `key` (v undefined), or writes it ('' removes it); session or local storage. Blocked: ''. */
  const storage = (session: boolean, key: string, v?: string): string => {
    try {
      const s = session ? sessionStorage : localStorage;
      if (v === undefined) return s.getItem(key) || '';
      if (v) s.setItem(key, v);
      else s.removeItem(key);
    } catch {
      /* storage blocked: the visitor is new on every page, the button waits for the welcome */
    }
    return '';
  };

  let token = storage(false, tokenKey);
  let ws: WebSocket | undefined;
  let attempt = 0;
  let failedOpens = 0;
  let reqSeq = 0;
  const listeners: ((e: HostEvent) => void)[] = [];
  let backlog: HostEvent[] = [];
  let chat: Promise<ChatWindow> | undefined;
  const dataLang = script.getAttribute('data-lang') || '';
  let lang = pickLang(dataLang, d.documentElement.lang, navigator.language);
  let labels: ButtonLabels = BUTTON_LABELS[lang]!;
  let online = 0;
  /** A welcome arrived on this page (the snapshot only shows the button). */
  let welcomed = false;
  let shown = false;
  /** The button was clicked before the welcome: open the window when it comes. */
  let wantOpen = false;
  let autoOpened = false;
  let windowOpen = false;
  let blocked = false;
  /** A welcome arrived on the current socket (frames other than page-view may follow). */
  let live = false;
  const custom = customFromDataset(script.dataset);
  /** Custom information changed since it was last sent. */
  let customDirty = false;
  let sentUrl = '';

  // ---- DOM: one host element, one open shadow root, CSS inside only ----
  // appendChild (Node) rather than append (Element): fewer methods a hostile page can break.
  const host = d.createElement('parley-widget');
  const root = host.attachShadow({ mode: 'open' });
  /** Strict CSP: a constructed stylesheet needs no 'unsafe-inline'; else a <style> with the page's nonce. */
  const nonce = script.nonce || script.getAttribute('data-nonce') || '';
  const addStyle = (text: string) => {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(text);
      root.adoptedStyleSheets = root.adoptedStyleSheets.concat(sheet);
      return;
    } catch {
      /* no constructable stylesheets: fall back to <style> */
    }
    const st = d.createElement('style');
    if (nonce) st.setAttribute('nonce', nonce);
    st.textContent = text;
    root.appendChild(st);
  };
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string): HTMLElementTagNameMap[K] => {
    const e = d.createElement(tag);
    if (cls) e.className = cls;
    return e;
  };
  addStyle(css);
  const wrap = el('div', 'pw');
  const { button, label, badge } = launcherButton(d);
  button.hidden = true;
  const slot = el('div');
  wrap.appendChild(button);
  wrap.appendChild(slot);
  root.appendChild(wrap);

  let buttonText = '';
  let cfg: Partial<WidgetSettings> | undefined;
  /** The latest welcome, as the snapshot keeps it. */
  let kept: ButtonSnapshot | undefined;
  const renderButton = () => {
    const chatting = online > 0 && !blocked;
    label.textContent = chatting ? buttonText || labels.liveHelp : labels.offlineButton;
    wrap.classList.toggle('off', !chatting);
    button.hidden = !shown || windowOpen;
    if (welcomed && kept)
      storage(true, snapKey, JSON.stringify({ ...kept, widget: cfg, operatorsOnline: online, chatBlocked: blocked }));
  };
  const setState = (settings: Partial<WidgetSettings> | undefined, ops: number, noChat: boolean) => {
    cfg = settings || cfg;
    if (cfg) {
      lang = pickLang(cfg.lang, dataLang, d.documentElement.lang, navigator.language);
      labels = BUTTON_LABELS[lang]!;
      theme(host, wrap, cfg);
      buttonText = cfg.buttonText || '';
    }
    online = ops;
    blocked = noChat;
    shown = true;
    renderButton();
  };
  // The previous page's button, shown at once; the welcome then says what holds now.
  const snap = readSnapshot(storage(true, snapKey));
  if (snap) setState(snap.widget, snap.operatorsOnline, snap.chatBlocked);

  const attach = () => d.body.appendChild(host);
  if (d.body) attach();
  else d.addEventListener('DOMContentLoaded', attach);

  // ---- events to chat.js: replay what arrived since the latest welcome while nobody listened ----
  const emit = (e: HostEvent) => {
    if (listeners.length) {
      for (const fn of listeners) {
        try {
          fn(e);
        } catch (err) {
          console.error('[parley]', err);
        }
      }
    } else if (e.type === 'welcome') backlog = [e];
    else if (backlog.length < 500) backlog.push(e);
  };

  const send = (frame: VisitorFrame): string | undefined => {
    if (ws?.readyState !== 1) return undefined;
    const reqId = String(++reqSeq);
    ws.send(JSON.stringify({ ...frame, reqId }));
    return reqId;
  };

  /**
   * The page view (`pv` of the first socket, or the first page-view frame on a socket) carries the
   * referrer and custom info; route changes carry neither. Counts as sent (sentUrl, custom).
   */
  const view = (spa?: boolean): PageFields => {
    const v = pageFields(
      location.href,
      d.title,
      spa ? '' : d.referrer,
      navigator.language,
      screen,
      spa ? undefined : custom,
    );
    sentUrl = v.url;
    if (v.custom) customDirty = false;
    return v;
  };
  /** Route changes are `spa`; a reconnect on the same page is `resume` (presence, not another view). */
  const pageView = (spa?: boolean, resume?: boolean) => {
    send({ action: 'page-view', spa: spa || undefined, resume: resume || undefined, ...view(spa) });
  };

  const flushCustom = () => {
    if (live && customDirty && send({ action: 'visitor-info', custom: { ...custom } })) customDirty = false;
  };

  // ---- the page's JS API: replay what was queued before we arrived, then take over ----
  const queued = g.parley?.q;
  g.parley = (command, arg) => {
    if (command === 'set' && mergeCustom(custom, arg)) {
      customDirty = true;
      flushCustom();
    }
  };
  if (queued) for (const args of Array.from(queued)) g.parley(String(args[0]), args[1]);

  // ---- single-page apps: a history change is a page view once the framework has set the title ----
  const settle = (fn: () => void) => {
    let done = false;
    const run = () => {
      if (!done) {
        done = true;
        fn();
      }
    };
    // After the next frame (frameworks update the title in effects), or soon anyway in a hidden tab.
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(run));
    setTimeout(run, 300);
  };
  const routes = routeWatcher(
    () => location.href,
    settle,
    () => live && pageView(true),
  );
  hookHistory(history, routes.poke);
  addEventListener('popstate', routes.poke);
  addEventListener('hashchange', routes.poke);

  const chatHost: LoaderHost = {
    root,
    slot,
    site,
    addStyle,
    get lang() {
      return lang;
    },
    connected: () => !!ws && ws.readyState === 1,
    send,
    listen(fn) {
      listeners.push(fn);
      const replay = backlog;
      backlog = [];
      for (const e of replay) fn(e);
    },
    showButton(visible) {
      windowOpen = !visible;
      renderButton();
      // Closing the window with the keyboard: focus goes back to the button, not to the page's top.
      if (visible && root.activeElement && slot.contains(root.activeElement)) button.focus();
    },
    setBadge(n) {
      badge.textContent = n > 0 ? String(n) : '';
      badge.hidden = n <= 0;
      button.setAttribute('aria-label', n > 0 ? `${label.textContent} (${labels.unread(n)})` : '');
      if (n <= 0) button.removeAttribute('aria-label');
    },
  };

  /** Loads chat.js; `quiet` (an invitation) mounts it without opening the window. */
  const openChat = (quiet?: boolean) => {
    chat ||= import(`${base}chat.js`).then((m: ChatModule) => m.mount(chatHost));
    chat.then(
      (w) => quiet || w.open(),
      (err) => {
        chat = undefined;
        console.error('[parley] chat window failed to load', err);
      },
    );
  };
  button.addEventListener('click', () => {
    if (welcomed) openChat();
    else wantOpen = true;
  });

  const onWelcome = (w: VisitorWelcome) => {
    attempt = 0;
    const { chat: open, reqId: _r, type: _t, role: _o, ...rest } = w;
    kept = { ...rest, open: !!open && open.status !== 'ended' };
    if (w.visitorToken && w.visitorToken !== token) {
      token = w.visitorToken;
      storage(false, tokenKey, token);
    }
    welcomed = true;
    live = true;
    setState(w.widget, w.operatorsOnline, w.chatBlocked === true);
    flushCustom();
    // The route changed while the socket was opening: report where the visitor is now.
    if (location.href.slice(0, LIMITS.url) !== sentUrl) pageView(true);
    // Mid-chat navigation: reopen the window once per page (not on every reconnect, so a minimised
    // window stays minimised); or the button was clicked while the welcome was on its way.
    if (wantOpen || (w.chat && w.chat.status !== 'ended' && !autoOpened)) {
      autoOpened = true;
      wantOpen = false;
      openChat();
    }
    // An invitation left unanswered on the previous page (chat-controller keeps it) shows again.
    else if (storage(true, `parley:invite:${site}`)) openChat(true);
  };

  let sockets = 0;
  const connect = () => {
    let opened = false;
    const url = token ? `${wsUrl}&vt=${encodeURIComponent(token)}` : wsUrl;
    // The page load's first socket carries the page view (not after a refused try: `pv` may be why).
    // The previous page's whole welcome, no chat open, same visitor: the server need not repeat it.
    const held = !sockets && snap?.visitorId && !snap.open && snap.visitorToken === token ? snap : undefined;
    const known = held && welcomeDigest(held);
    const pvUrl = sockets || failedOpens ? undefined : withPageView(url, { ...view(), ...(known ? { known } : {}) });
    const s = new WebSocket(pvUrl || url);
    ws = s;
    s.onopen = () => {
      opened = true;
      failedOpens = 0;
      live = false;
      emit({ type: 'open' });
      if (pvUrl && known) {
        // The server sends a welcome only if its own differs from the one held: take that one now.
        const w = { ...held, type: 'welcome', role: 'visitor' } as VisitorWelcome;
        onWelcome(w);
        emit(w);
      } else if (pvUrl)
        // The server pushes the welcome; should it never come, a new socket asks with a frame.
        setTimeout(() => ws === s && !live && s.close(), 10_000);
      else pageView(undefined, sockets > 0 && location.href.slice(0, LIMITS.url) === sentUrl);
      sockets++;
    };
    s.onmessage = (m) => {
      let e: ServerEvent;
      try {
        e = JSON.parse(m.data);
      } catch {
        return;
      }
      if (!e || typeof e.type !== 'string') return;
      if (e.type === 'welcome' && e.role === 'visitor') onWelcome(e);
      // `queue`, or the answer to a chat request: nobody available turns the button to leave-a-message.
      else if ((e.type === 'queue' || e.type === 'chat-update') && typeof e.operatorsOnline === 'number') {
        online = e.operatorsOnline;
        renderButton();
      } else if (e.type === 'invitation') openChat(true); // the popup lives in chat.js
      emit(e);
    };
    s.onclose = () => {
      if (ws !== s) return;
      ws = undefined;
      live = false;
      emit({ type: 'close' });
      // A token the server keeps refusing at connect is dropped: the visitor starts afresh.
      if (!opened && ++failedOpens >= 3 && token) {
        token = '';
        storage(false, tokenKey, token);
      }
      setTimeout(connect, backoffDelay(attempt++));
    };
  };
  connect();
})();
