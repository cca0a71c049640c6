/** Chat transcripts: the text and HTML of a chat, for the mail function to send. */
import type { ChatMessage } from '../protocol/index.js';
import { NotFoundError } from './errors.js';
import type { Deps } from './ports.js';
import { siteSettings } from './settings.js';
import { SERVER_TEXTS, type ServerTexts, textsFor } from './texts.js';
import type { ChatRecord, SiteSettings } from './types.js';

export interface Mailer {
  /**
   * `replyTo`: where the recipient's answer goes (an offline message's visitor), never a recipient.
   * `fromName`: the sender's display name (the site's name); the address stays the configured one.
   */
  send(mail: {
    to: string;
    subject: string;
    text: string;
    html: string;
    replyTo?: string;
    fromName?: string;
  }): Promise<void>;
}

/** The site's name in e-mails: the admin's setting, else the site id, else "Parley". */
export function siteNameOf(settings: Pick<SiteSettings, 'console'>, siteId: string | undefined): string {
  return settings.console.siteName?.trim() || siteId || 'Parley';
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Everything in a transcript is somebody's text: escaped, never markup. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}

export function renderTranscript(
  chat: ChatRecord,
  messages: ChatMessage[],
  siteName: string,
  t: ServerTexts = SERVER_TEXTS.en,
) {
  const subject = t.transcriptSubject(siteName, stamp(chat.createdAt).slice(0, 10));
  const lines = messages.map((m) =>
    m.from.kind === 'system' ? `[${stamp(m.at)}] — ${m.text}` : `[${stamp(m.at)}] ${m.from.name}: ${m.text}`,
  );
  const text = [t.transcriptHeading(chat.visitorName), '', ...lines, '', `— ${siteName}`].join('\n');
  const rows = messages
    .map((m) =>
      m.from.kind === 'system'
        ? `<tr><td colspan="2" style="color:#6b7280;font-style:italic;padding:4px 0">${escapeHtml(m.text)}</td></tr>`
        : `<tr><td style="vertical-align:top;padding:4px 12px 4px 0;white-space:nowrap;color:#374151"><strong>${escapeHtml(
            m.from.name,
          )}</strong><br><small style="color:#9ca3af">${stamp(m.at)}</small></td><td style="padding:4px 0;white-space:pre-wrap">${escapeHtml(
            m.text,
          )}</td></tr>`,
    )
    .join('');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111827"><h2 style="font-size:16px">${escapeHtml(t.transcriptTitle)}</h2><table style="border-collapse:collapse;font-size:14px">${rows}</table><p style="color:#6b7280;font-size:12px">${escapeHtml(
    siteName,
  )}</p></body></html>`;
  return { subject, text, html };
}

/** Mails the transcript in the chat's language, signed and sent with the site's name. */
export async function sendTranscript(
  deps: Pick<Deps, 'store' | 'clock'>,
  mailer: Mailer,
  request: { chatId: string; email: string },
): Promise<void> {
  const chat = await deps.store.getChat(request.chatId);
  if (!chat) throw new NotFoundError('no such chat');
  const [messages, settings] = await Promise.all([
    deps.store.messagesAfter(chat.chatId, 0, 5000),
    siteSettings(deps, chat.siteId),
  ]);
  const siteName = siteNameOf(settings, chat.siteId);
  const mail = renderTranscript(chat, messages, siteName, textsFor(settings.widget.lang, chat.lang));
  await mailer.send({ to: request.email, ...mail, fromName: siteName });
}
