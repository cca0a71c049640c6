/** The embed screen's rules without UI: the snippet and the checks the server makes too. */
import type { WidgetSettings } from '../functions/protocol/events.js';

export type Appearance = Required<WidgetSettings>;

export const HEX = /^#[0-9a-fA-F]{6}$/;

/** The one tag a site pastes; everything else comes from the settings at run time. */
export function embedSnippet(widgetUrl: string, siteId: string): string {
  const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<script async src="${attr(widgetUrl)}" data-site="${attr(siteId)}"></script>`;
}

/** The first problem with the appearance, or undefined (the server checks the same rules). */
export function checkAppearance(a: Appearance): string | undefined {
  if (!HEX.test(a.color)) return 'The button colour must be a colour like #2563eb.';
  if (!HEX.test(a.textColor)) return 'The text colour must be a colour like #ffffff.';
  if (a.buttonText.length > 40) return 'The button text may be at most 40 characters.';
  if (a.greeting.length > 300) return 'The greeting may be at most 300 characters.';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the server refuses them too
  if (/[\u0000-\u001f\u007f]/.test(a.buttonText)) return 'The button text must be one line.';
  return undefined;
}
