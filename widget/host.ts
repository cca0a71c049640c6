/**
 * The contract between the loader (parley.js, plain DOM, owns the socket) and the lazily
 * loaded chat window (chat.js, Preact). Types only: nothing here exists at runtime.
 */
import type { ServerEvent } from '../functions/protocol/events.js';
import type { VisitorFrame } from './core/frames.js';
import type { Labels } from './i18n.js';

/** What the loader reports besides server frames: the socket opening and closing. */
export type HostEvent = ServerEvent | { type: 'open' } | { type: 'close' };

/** What the loader gives chat.js: everything but the labels, which chat.js picks for `lang`. */
export type LoaderHost = Omit<ChatHost, 'labels'>;

export interface ChatHost {
  /** The shadow root everything renders in (chat.js adds its own <style> here). */
  readonly root: ShadowRoot;
  /** The element chat.js renders the window into. */
  readonly slot: HTMLElement;
  readonly site: string;
  /** Adds a stylesheet to the shadow root in a way a strict Content-Security-Policy allows. */
  addStyle(css: string): void;
  /** The widget's language (settings, data-lang, the page's, the browser's). */
  readonly lang: string;
  readonly labels: Labels;
  /** True while the socket is open. */
  connected(): boolean;
  /** Sends a frame with a fresh reqId; returns that reqId, or undefined if the socket is not open. */
  send(frame: VisitorFrame): string | undefined;
  /**
   * Subscribes to every frame and socket event. Events that arrived since the latest
   * `welcome` before anyone listened are replayed first, so nothing is missed while chat.js loads.
   */
  listen(fn: (event: HostEvent) => void): void;
  /** Shows or hides the launcher button (hidden while the window is open). */
  showButton(visible: boolean): void;
  /** Unread count shown on the launcher while the window is minimised (0 hides it). */
  setBadge(count: number): void;
}

export interface ChatWindow {
  open(): void;
}

/** chat.js exports `mount`. */
export interface ChatModule {
  mount(host: LoaderHost): ChatWindow;
}
