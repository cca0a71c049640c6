/**
 * URLs and e-mail addresses in a chat message, found by linkifyjs (its tokenizer only: no HTML
 * is ever produced here). The text is cut into parts; a part with an `href` is shown as a link,
 * every other part as text. Only http(s) and mailto links are made: anything else stays text.
 *
 * The widget loads this module lazily (it is most of linkifyjs's size: the list of top-level
 * domains), the console bundles it.
 */
import { tokenize } from 'linkifyjs';

export interface TextPart {
  text: string;
  /** Set on links only: an http:, https: or mailto: URL. */
  href?: string;
}

const ALLOWED = new Set(['http:', 'https:', 'mailto:']);

/** The href itself when it is an http(s) or mailto URL, else undefined (javascript:, data:, ftp:…). */
export function safeLinkHref(href: string): string | undefined {
  try {
    const u = new URL(href);
    return ALLOWED.has(u.protocol) ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a message into text and link parts; joining every part's text gives the message back. */
export function linkParts(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const push = (part: TextPart) => {
    const last = parts[parts.length - 1];
    if (!part.href && last && !last.href) last.text += part.text;
    else parts.push(part);
  };
  for (const token of tokenize(text)) {
    const value = token.toString();
    const href = token.isLink && (token.t === 'url' || token.t === 'email') ? safeLinkHref(token.toHref('https')) : '';
    push(href ? { text: value, href } : { text: value });
  }
  return parts;
}
