/**
 * What a visitor welcome says that a widget can keep from page to page: availability, appearance,
 * whether chat is blocked, the departments. The widget sends the digest of the welcome it holds with
 * the connect request (`pv.known`); when the server's welcome would say the same (and there is no
 * open chat to restore), it sends none: most page loads of a visit then cost no WebSocket message.
 * Shared by the widget and the server, so it stays free of dependencies and tiny.
 */

/** The welcome's fields the digest covers (not the chat, the token, or `returning`). */
export interface WelcomeKeepable {
  operatorsOnline: number;
  widget: unknown;
  chatBlocked: boolean;
  departments?: string[] | undefined;
}

/** JSON with object keys sorted at every level: the same value gives the same text anywhere. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** 32-bit FNV-1a of the canonical text, base 36: a cache tag, not a security check. */
export function welcomeDigest(w: WelcomeKeepable): string {
  const text = canonical([w.operatorsOnline, w.widget, w.chatBlocked, w.departments ?? []]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
