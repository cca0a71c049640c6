/**
 * Desktop notifications (the Notification API) for chat requests offered to me. Permission is asked
 * once, on a user gesture (going online, or the button in Settings); a notification shows only
 * while the console is not in front, one per request (its tag), and goes when the request does.
 */
const ASKED_KEY = 'parley:notifications-asked';
const open = new Map<string, Notification>();

export type NotificationPermissionState = NotificationPermission | 'unsupported';

export function notificationPermission(): NotificationPermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

function asked(): boolean {
  try {
    return localStorage.getItem(ASKED_KEY) === '1';
  } catch {
    return false;
  }
}

/**
 * Asks for permission if the browser has not been asked yet. Call it from a click or key handler:
 * browsers ignore (or penalise) a request made without a user gesture. `force` asks even if this
 * console asked before (the Settings button).
 */
export async function askNotificationPermission(force = false): Promise<NotificationPermissionState> {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission !== 'default' || (asked() && !force)) return Notification.permission;
  try {
    localStorage.setItem(ASKED_KEY, '1');
  } catch {
    /* storage blocked: we may ask again next time */
  }
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/** Shows a notification unless the console is in front (the dialog and the bell do that job then). */
export function showNotification(tag: string, title: string, body: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    open.get(tag)?.close();
    const n = new Notification(title, { body, tag, icon: undefined, silent: true });
    n.onclick = () => {
      window.focus();
      n.close();
    };
    n.onclose = () => {
      if (open.get(tag) === n) open.delete(tag);
    };
    open.set(tag, n);
  } catch {
    /* some browsers only allow notifications from a service worker: the bell and the title still tell */
  }
}

export function closeNotification(tag: string): void {
  const n = open.get(tag);
  open.delete(tag);
  n?.close();
}
