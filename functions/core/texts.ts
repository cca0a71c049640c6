/**
 * Every visitor-facing text the server writes (chat system lines, invitation defaults, e-mails to
 * visitors), one table per language. English and Polish are complete; the widget's own words live
 * in widget/i18n.ts (the server's texts cost the widget no bytes).
 */

export type ServerLang = 'en' | 'pl';

export interface ServerTexts {
  /** Name shown as the author of system lines. */
  system: string;
  joined: (name: string) => string;
  ended: (name: string) => string;
  /** An operator whose name is not known. */
  operatorWho: string;
  transferring: (department: string) => string;
  nowChattingWith: (name: string) => string;
  joinedConversation: (name: string) => string;
  leftConversation: (name: string) => string;
  holdOn: (name: string) => string;
  holdOff: (name: string) => string;
  noLongerAvailable: (name: string) => string;
  /** The inviting operator's name when none is known. */
  ourTeam: string;
  invitationText: string;
  transcriptSubject: (site: string, date: string) => string;
  transcriptTitle: string;
  transcriptHeading: (visitor: string) => string;
  replySubject: (site: string) => string;
  replyWrote: (name: string, when: string) => string;
}

const en: ServerTexts = {
  system: 'Parley',
  joined: (n) => `${n} joined the chat`,
  ended: (n) => `${n} ended the chat`,
  operatorWho: 'The operator',
  transferring: (d) => `Transferring you to ${d}; someone will be with you shortly`,
  nowChattingWith: (n) => `You are now chatting with ${n}`,
  joinedConversation: (n) => `${n} joined the conversation`,
  leftConversation: (n) => `${n} left the conversation`,
  holdOn: (n) => `${n} will be right back. Please hold on.`,
  holdOff: (n) => `${n} is back`,
  noLongerAvailable: (n) => `${n} is no longer available; someone else will be with you shortly`,
  ourTeam: 'our team',
  invitationText: "Hello! I'm %name%. If you have any questions, I'm ready to help you. Just click Start Chat.",
  transcriptSubject: (s, d) => `Your chat with ${s} on ${d}`,
  transcriptTitle: 'Chat transcript',
  transcriptHeading: (v) => `Chat transcript (${v})`,
  replySubject: (s) => `Re: your message to ${s}`,
  replyWrote: (n, w) => `${n} wrote on ${w} UTC:`,
};

const pl: ServerTexts = {
  system: 'Parley',
  joined: (n) => `${n} dołącza do czatu`,
  ended: (n) => `${n} kończy czat`,
  operatorWho: 'Konsultant',
  transferring: (d) => `Przekazujemy rozmowę do działu ${d}; ktoś zaraz się odezwie`,
  nowChattingWith: (n) => `Teraz rozmawiasz z: ${n}`,
  joinedConversation: (n) => `${n} dołącza do rozmowy`,
  leftConversation: (n) => `${n} opuszcza rozmowę`,
  holdOn: (n) => `${n} zaraz wróci. Prosimy o chwilę cierpliwości.`,
  holdOff: (n) => `${n} jest z powrotem`,
  noLongerAvailable: (n) => `${n} jest już niedostępny; ktoś inny zaraz się odezwie`,
  ourTeam: 'nasz zespół',
  invitationText:
    'Dzień dobry! Nazywam się %name%. Jeśli mają Państwo pytania, chętnie pomogę. Wystarczy kliknąć Rozpocznij czat.',
  transcriptSubject: (s, d) => `Twoja rozmowa z ${s} z dnia ${d}`,
  transcriptTitle: 'Zapis rozmowy',
  transcriptHeading: (v) => `Zapis rozmowy (${v})`,
  replySubject: (s) => `Re: Twoja wiadomość do ${s}`,
  replyWrote: (n, w) => `${n} napisał(a) ${w} UTC:`,
};

export const SERVER_TEXTS: Record<ServerLang, ServerTexts> = { en, pl };

/** A language tag ('pl-PL', 'en', '') as one of ours, or undefined. */
export function serverLang(tag: string | undefined): ServerLang | undefined {
  const base = (tag ?? '').trim().toLowerCase().slice(0, 2);
  return base === 'pl' || base === 'en' ? base : undefined;
}

/**
 * The site's widget language when an admin fixed one (the widget speaks it too), else the
 * visitor's page language, else English.
 */
export function pickServerLang(siteLang: string | undefined, visitorLang?: string): ServerLang {
  return serverLang(siteLang) ?? serverLang(visitorLang) ?? 'en';
}

export function textsFor(siteLang: string | undefined, visitorLang?: string): ServerTexts {
  return SERVER_TEXTS[pickServerLang(siteLang, visitorLang)];
}
