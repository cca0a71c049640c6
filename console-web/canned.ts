/**
 * Canned messages in the composer, without any UI: the variables (%name% is the operator's name,
 * %visitor% the visitor's), and the keyboard shortcut: typing `/shortcut` and then Tab or Enter
 * replaces it with the message.
 */
import type { CannedMessage } from '../functions/protocol/events.js';

export interface CannedVars {
  /** The operator's name. */
  name: string;
  /** The visitor's name as the console shows it. */
  visitor: string;
}

/** Replaces %name% and %visitor% (any case); other text is left as it is. */
export function fillCanned(text: string, vars: CannedVars): string {
  return text.replace(/%(name|visitor)%/gi, (_, key: string) =>
    key.toLowerCase() === 'name' ? vars.name : vars.visitor,
  );
}

/** The `/word` being typed right before the caret (at the start or after a space), if any. */
export function shortcutAt(draft: string, caret = draft.length): { start: number; query: string } | undefined {
  const m = /(^|\s)\/([a-z0-9-]{0,20})$/i.exec(draft.slice(0, caret));
  if (!m) return undefined;
  return { start: caret - m[2]!.length - 1, query: m[2]!.toLowerCase() };
}

/**
 * Canned messages matching the shortcut being typed: the exact shortcut first, then those starting
 * with it, then those with a word of the title starting with it; at most `limit`.
 */
export function shortcutMatches(canned: readonly CannedMessage[], query: string, limit = 6): CannedMessage[] {
  const q = query.toLowerCase();
  const rank = (c: CannedMessage) => {
    const s = c.shortcut?.toLowerCase();
    if (s === q) return 0;
    if (s?.startsWith(q)) return 1;
    if (
      q &&
      c.title
        .toLowerCase()
        .split(/\s+/)
        .some((w) => w.startsWith(q))
    )
      return 2;
    return 3;
  };
  return canned
    .map((c) => ({ c, r: rank(c) }))
    .filter((x) => x.r < 3)
    .sort((a, b) => a.r - b.r || (a.c.shortcut ?? '~').localeCompare(b.c.shortcut ?? '~'))
    .slice(0, limit)
    .map((x) => x.c);
}

/** The draft with `text` put in place of [start, end), and where the caret goes after it. */
export function insertAt(draft: string, start: number, end: number, text: string): { draft: string; caret: number } {
  return { draft: draft.slice(0, start) + text + draft.slice(end), caret: start + text.length };
}

/**
 * Tab or Enter after `/shortcut`: the draft with the matching canned message in its place
 * (variables filled), or undefined when the caret is not right after a shortcut that exists.
 * `pick` chooses among several matches (the one highlighted in the suggestions); without it only
 * an exact shortcut expands.
 */
export function expandShortcut(
  draft: string,
  caret: number,
  canned: readonly CannedMessage[],
  vars: CannedVars,
  pick?: CannedMessage,
): { draft: string; caret: number; used: CannedMessage } | undefined {
  const at = shortcutAt(draft, caret);
  if (!at) return undefined;
  const used = pick ?? canned.find((c) => c.shortcut && c.shortcut.toLowerCase() === at.query);
  if (!used) return undefined;
  return { ...insertAt(draft, at.start, caret, fillCanned(used.text, vars)), used };
}
