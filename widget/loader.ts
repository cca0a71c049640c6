/**
 * parley.js — the loader a site embeds:
 *   <script async src="https://HOST/widget/parley.js" data-site="SITE_ID"></script>
 *
 * Plain DOM, kept tiny. It owns the WebSocket (connect, page-view on every (re)connect and on
 * every single-page-app route change, reconnect with backoff), keeps the signed visitor token,
 * shows the launcher button in a shadow root, and loads chat.js (Preact) from its own directory
 * only when a chat opens.
 *
 * Custom visitor information, shown to operators (at most 20 pairs, values up to 256 characters):
 * - any other data-* attribute of the script tag, key camelCased:
 *     <script async src=".../widget/parley.js" data-site="SITE_ID" data-plan="gold" data-user-id="42"></script>
 *   gives {plan: 'gold', userId: '42'};
 * - a tiny JS API, usable before the loader has arrived (calls are queued and replayed):
 *     <script>
 *       window.parley = window.parley || function () { (window.parley.q = window.parley.q || []).push(arguments); };
 *       parley('set', { plan: 'gold', cartValue: 129 });
 *     </script>
 *   `set` merges into what is known (a later value overwrites an earlier one) and reaches operators at once.
 */
import type { ServerEvent, VisitorWelcome } from '../functions/protocol/events.js';
import { LIMITS } from '../functions/protocol/limits.js';
import { backoffDelay } from './core/backoff.js';
import type { VisitorFrame } from './core/frames.js';
import { customFromDataset, hookHistory, mergeCustom, routeWatcher } from './core/tracking.js';
import type { ChatHost, ChatModule, ChatWindow, HostEvent } from './host.js';
import { type Labels, pickLabels } from './i18n.js';
import css from './loader.css';

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

  const store = {
    get(): string {
      try {
        return localStorage.getItem(tokenKey) || '';
      } catch {
        return '';
      }
    },
    set(v: string): void {
      try {
        if (v) localStorage.setItem(tokenKey, v);
        else localStorage.removeItem(tokenKey);
      } catch {
        /* storage blocked: the visitor is new on every page */
      }
    },
  };

  let token = store.get();
  let ws: WebSocket | undefined;
  let attempt = 0;
  let failedOpens = 0;
  let reqSeq = 0;
  const listeners: ((e: HostEvent) => void)[] = [];
  let backlog: HostEvent[] = [];
  let chat: Promise<ChatWindow> | undefined;
  let labels: Labels = pickLabels(d.documentElement.lang, navigator.language);
  let online = 0;
  let welcomed = false;
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
  const host = d.createElement('parley-widget');
  host.style.cssText = 'all:initial';
  const root = host.attachShadow({ mode: 'open' });
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string): HTMLElementTagNameMap[K] => {
    const e = d.createElement(tag);
    if (cls) e.className = cls;
    return e;
  };
  const style = el('style');
  style.textContent = css;
  const wrap = el('div', 'pw');
  const button = el('button', 'btn');
  button.type = 'button';
  button.hidden = true;
  button.setAttribute('data-testid', 'parley-button');
  const svgNs = 'http://www.w3.org/2000/svg';
  const icon = d.createElementNS(svgNs, 'svg');
  icon.setAttribute('viewBox', '0 0 24 24');
  icon.setAttribute('aria-hidden', 'true');
  const path = d.createElementNS(svgNs, 'path');
  path.setAttribute(
    'd',
    'M12 3C6.5 3 2 6.9 2 11.7c0 2.4 1.1 4.5 2.9 6.1L4 21.4l4.4-1.8c1.1.4 2.3.6 3.6.6 5.5 0 10-3.9 10-8.6S17.5 3 12 3z',
  );
  icon.append(path);
  const label = el('span');
  const dot = el('span', 'dot');
  const badge = el('span', 'badge');
  badge.hidden = true;
  button.append(icon, label, dot, badge);
  const slot = el('div');
  wrap.append(button, slot);
  root.append(style, wrap);

  const renderButton = () => {
    const chatting = online > 0 && !blocked;
    label.textContent = chatting ? labels.liveHelp : labels.leaveMessage;
    wrap.classList.toggle('off', !chatting);
    button.hidden = !welcomed || windowOpen;
  };

  const attach = () => d.body.append(host);
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
   * The first page-view on a socket carries the referrer and custom info; route changes are `spa`;
   * a reconnect on the same page is `resume` (presence, not another view of the page).
   */
  const pageView = (spa?: boolean, resume?: boolean) => {
    const ref = d.referrer;
    const withCustom = !spa && Object.keys(custom).length > 0;
    sentUrl = location.href.slice(0, LIMITS.url);
    send({
      action: 'page-view',
      spa: spa || undefined,
      resume: resume || undefined,
      url: sentUrl,
      title: (d.title || '').slice(0, LIMITS.title),
      referrer: ref && !spa ? ref.slice(0, LIMITS.url) : undefined,
      lang: (navigator.language || '').slice(0, 35) || undefined,
      screen: { w: screen.width | 0, h: screen.height | 0 },
      custom: withCustom ? { ...custom } : undefined,
    });
    if (withCustom) customDirty = false;
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

  const chatHost: ChatHost = {
    root,
    slot,
    site,
    get labels() {
      return labels;
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
    },
    setBadge(n) {
      badge.textContent = n > 0 ? String(n) : '';
      badge.hidden = n <= 0;
      button.setAttribute('aria-label', n > 0 ? `${label.textContent} (${labels.unread(n)})` : '');
      if (n <= 0) button.removeAttribute('aria-label');
    },
  };

  const openChat = () => {
    chat ||= import(`${base}chat.js`).then((m: ChatModule) => m.mount(chatHost));
    chat.then(
      (w) => w.open(),
      (err) => {
        chat = undefined;
        console.error('[parley] chat window failed to load', err);
      },
    );
  };
  button.addEventListener('click', openChat);

  const onWelcome = (w: VisitorWelcome) => {
    attempt = 0;
    if (w.visitorToken && w.visitorToken !== token) {
      token = w.visitorToken;
      store.set(token);
    }
    const cfg = w.widget;
    if (cfg) {
      labels = pickLabels(cfg.lang, d.documentElement.lang, navigator.language);
      if (cfg.color && typeof CSS !== 'undefined' && CSS.supports('color', cfg.color))
        host.style.setProperty('--parley-color', cfg.color);
      wrap.classList.toggle('left', cfg.position === 'left');
    }
    online = w.operatorsOnline;
    blocked = w.chatBlocked === true;
    welcomed = true;
    live = true;
    flushCustom();
    // The route changed while the socket was opening: report where the visitor is now.
    if (location.href.slice(0, LIMITS.url) !== sentUrl) pageView(true);
    renderButton();
    // Mid-chat navigation: reopen the window once per page (not on every reconnect, so a minimised
    // window stays minimised).
    if (w.chat && w.chat.status !== 'ended' && !autoOpened) {
      autoOpened = true;
      openChat();
    }
  };

  let sockets = 0;
  const connect = () => {
    let opened = false;
    const s = new WebSocket(token ? `${wsUrl}&vt=${encodeURIComponent(token)}` : wsUrl);
    ws = s;
    s.onopen = () => {
      opened = true;
      failedOpens = 0;
      live = false;
      emit({ type: 'open' });
      pageView(undefined, sockets++ > 0 && location.href.slice(0, LIMITS.url) === sentUrl);
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
      else if (e.type === 'queue' && typeof e.operatorsOnline === 'number') {
        online = e.operatorsOnline;
        renderButton();
      }
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
        store.set(token);
      }
      setTimeout(connect, backoffDelay(attempt++));
    };
  };
  connect();
})();
