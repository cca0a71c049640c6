/**
 * Every text the visitor sees, one object per language. Adding a language = adding one object
 * of type `Labels` to `LABELS` and its button's words to `BUTTON_LABELS` (TypeScript then insists
 * every label is translated), and its code to WIDGET_LANGUAGES (functions/protocol/schemas.ts).
 * Functions take the values that go into the text, so word order can differ per language.
 * The button's few words are a separate object: the loader carries only those, chat.js the rest.
 */
export interface ButtonLabels {
  liveHelp: string;
  /** The button while nobody can chat. */
  offlineButton: string;
  unread: (count: number) => string;
}

export interface Labels extends ButtonLabels {
  leaveMessage: string;
  windowTitle: string;
  minimise: string;
  online: string;
  offline: string;
  greeting: string;
  offlineNotice: string;
  chatUnavailable: string;
  nameLabel: string;
  namePlaceholder: string;
  startChat: string;
  routing: string;
  queuePosition: (position: number) => string;
  /** "Waiting 1:05" while queued. */
  waitingFor: (time: string) => string;
  /** After the queue wait: no leave-a-message form yet, so words only. */
  queueTooLong: string;
  leaveMessageHint: string;
  chattingWith: (operators: string[]) => string;
  onHold: string;
  onHoldSub: string;
  transcriptTitle: string;
  transcriptOpen: string;
  emailLabel: string;
  emailPlaceholder: string;
  transcriptSend: string;
  transcriptSending: string;
  transcriptSent: (email: string) => string;
  transcriptAlready: string;
  transcriptError: string;
  ended: string;
  endChat: string;
  newChat: string;
  inputPlaceholder: string;
  inputLabel: string;
  send: string;
  sending: string;
  notSent: string;
  you: string;
  operator: string;
  isTyping: (name: string) => string;
  reconnecting: string;
  messagesLabel: string;
  waitHint: string;
  /** The leave-a-message form (offline, or after a long wait in the queue). */
  offlineTitle: string;
  offlineIntro: string;
  offlineName: string;
  offlineEmail: string;
  offlineText: string;
  offlineDepartment: string;
  offlineAnyDepartment: string;
  offlineSend: string;
  offlineSending: string;
  offlineSent: (email: string) => string;
  offlineAnother: string;
  offlineBack: string;
  /** Nobody online: the form comes first, waiting in the queue is still possible. */
  offlineWait: string;
  offlineErrName: string;
  offlineErrEmail: string;
  offlineErrText: string;
  /** The invitation popup: who invites, its buttons, what a screen reader announces. */
  /** Under the inviting operator's name. */
  invitationTeam: string;
  invitationAnnounce: (operator: string) => string;
  invitationStart: string;
  invitationClose: string;
  invitationNameHint: string;
  errors: {
    generic: string;
    rateLimited: string;
    chatEnded: string;
  };
}

const enButton: ButtonLabels = {
  liveHelp: 'Live Help',
  offlineButton: 'Operator unavailable. Leave a message',
  unread: (n) => `${n} unread`,
};

/** A language's labels: its button's and the rest (a pure call, so the loader drops it). */
const withButton = (button: ButtonLabels, rest: Omit<Labels, keyof ButtonLabels>): Labels => ({ ...button, ...rest });

const en: Labels = /* @__PURE__ */ withButton(enButton, {
  leaveMessage: 'Leave a message',
  windowTitle: 'Live Help',
  minimise: 'Minimise chat',
  online: 'We reply in a few minutes',
  offline: 'No one is online right now',
  greeting: 'Hi! Have a question? Start a chat and one of our team will be right with you.',
  offlineNotice:
    'No operator is online right now. You can still start a chat and wait here: the first operator to come online will see it.',
  chatUnavailable:
    'Live chat is not available right now. Please leave us a message instead and we will get back to you.',
  nameLabel: 'Your name (optional)',
  namePlaceholder: 'e.g. Alex',
  startChat: 'Start chat',
  routing: 'Routing your request…',
  queuePosition: (n) => (n <= 1 ? 'You are next in the queue.' : `You are number ${n} in the queue.`),
  waitingFor: (t) => `Waiting ${t}`,
  queueTooLong: 'Sorry for the wait: everyone is busy right now.',
  leaveMessageHint: 'You can leave us a message and we will write back. Or keep waiting here: you keep your place.',
  chattingWith: (ops) =>
    `You are chatting with ${ops.length <= 1 ? ops[0] || 'an operator' : `${ops.slice(0, -1).join(', ')} and ${ops[ops.length - 1]}`}`,
  onHold: 'The operator will be right back',
  onHoldSub: 'Please stay here: your chat is on hold for a moment.',
  transcriptTitle: 'E-mail me this transcript',
  transcriptOpen: 'E-mail transcript',
  emailLabel: 'Your e-mail address',
  emailPlaceholder: 'you@example.com',
  transcriptSend: 'Send',
  transcriptSending: 'Sending…',
  transcriptSent: (email) => `Sent to ${email}. It may take a minute to arrive.`,
  transcriptAlready: 'This transcript was already sent to that address (or to three addresses).',
  transcriptError: 'The transcript could not be sent. Please try again.',
  ended: 'The chat has ended',
  endChat: 'End chat',
  newChat: 'Start a new chat',
  inputPlaceholder: 'Type your message…',
  inputLabel: 'Message',
  send: 'Send',
  sending: 'Sending…',
  notSent: 'Not sent',
  you: 'You',
  operator: 'Operator',
  isTyping: (name) => `${name} is typing…`,
  reconnecting: 'Connection lost. Reconnecting…',
  messagesLabel: 'Chat messages',
  waitHint: 'While you wait, you can already type your question: the operator will see it when they join.',
  offlineTitle: 'Leave us a message',
  offlineIntro: 'Nobody can chat right now. Leave a message and we will reply by e-mail.',
  offlineName: 'Your name',
  offlineEmail: 'Your e-mail address',
  offlineText: 'Your message',
  offlineDepartment: 'Department',
  offlineAnyDepartment: 'Any department',
  offlineSend: 'Send message',
  offlineSending: 'Sending…',
  offlineSent: (email) => `Thank you! Your message was sent. We will reply to ${email}.`,
  offlineAnother: 'Write another message',
  offlineBack: 'Back to the chat',
  offlineWait: 'Or start a chat and wait for an operator',
  offlineErrName: 'Please enter your name.',
  offlineErrEmail: 'Please enter a valid e-mail address.',
  offlineErrText: 'Please write your message.',
  invitationTeam: 'from our team',
  invitationAnnounce: (op) => `${op} invites you to chat`,
  invitationStart: 'Start Chat',
  invitationClose: 'Close invitation',
  invitationNameHint: 'How should we call you?',
  errors: {
    generic: 'Something went wrong. Please try again.',
    rateLimited: 'You are sending messages too fast. Please wait a moment.',
    chatEnded: 'This chat has already ended.',
  },
});

const plButton: ButtonLabels = {
  liveHelp: 'Pomoc na żywo',
  offlineButton: 'Konsultant niedostępny. Zostaw wiadomość',
  unread: (n) => `Nieprzeczytane: ${n}`,
};

const pl: Labels = /* @__PURE__ */ withButton(plButton, {
  leaveMessage: 'Zostaw wiadomość',
  windowTitle: 'Pomoc na żywo',
  minimise: 'Zwiń czat',
  online: 'Odpowiadamy w kilka minut',
  offline: 'Nikt nie jest teraz dostępny',
  greeting: 'Cześć! Masz pytanie? Rozpocznij czat, a ktoś z naszego zespołu zaraz odpowie.',
  offlineNotice:
    'Żaden konsultant nie jest teraz dostępny. Możesz rozpocząć czat i poczekać: zobaczy go pierwszy konsultant, który się zaloguje.',
  chatUnavailable: 'Czat nie jest teraz dostępny. Zostaw nam wiadomość, a odpiszemy.',
  nameLabel: 'Twoje imię (opcjonalnie)',
  namePlaceholder: 'np. Ola',
  startChat: 'Rozpocznij czat',
  routing: 'Łączymy z konsultantem…',
  queuePosition: (n) => (n <= 1 ? 'Jesteś następny w kolejce.' : `Twoje miejsce w kolejce: ${n}.`),
  waitingFor: (t) => `Czekasz ${t}`,
  queueTooLong: 'Przepraszamy za czekanie: wszyscy są teraz zajęci.',
  leaveMessageHint: 'Możesz zostawić wiadomość, a odpiszemy. Albo czekaj dalej: nie tracisz miejsca w kolejce.',
  chattingWith: (ops) =>
    `Rozmawiasz z: ${ops.length <= 1 ? ops[0] || 'konsultant' : `${ops.slice(0, -1).join(', ')} i ${ops[ops.length - 1]}`}`,
  onHold: 'Konsultant zaraz wróci',
  onHoldSub: 'Zostań na stronie: czat jest na chwilę wstrzymany.',
  transcriptTitle: 'Wyślij mi zapis rozmowy',
  transcriptOpen: 'Zapis e-mailem',
  emailLabel: 'Twój adres e-mail',
  emailPlaceholder: 'ty@example.com',
  transcriptSend: 'Wyślij',
  transcriptSending: 'Wysyłanie…',
  transcriptSent: (email) => `Wysłano na ${email}. Może dotrzeć w ciągu minuty.`,
  transcriptAlready: 'Ten zapis został już wysłany na ten adres (lub na trzy adresy).',
  transcriptError: 'Nie udało się wysłać zapisu. Spróbuj ponownie.',
  ended: 'Czat został zakończony',
  endChat: 'Zakończ czat',
  newChat: 'Rozpocznij nowy czat',
  inputPlaceholder: 'Napisz wiadomość…',
  inputLabel: 'Wiadomość',
  send: 'Wyślij',
  sending: 'Wysyłanie…',
  notSent: 'Nie wysłano',
  you: 'Ty',
  operator: 'Konsultant',
  isTyping: (name) => `${name} pisze…`,
  reconnecting: 'Utracono połączenie. Łączenie ponownie…',
  messagesLabel: 'Wiadomości czatu',
  waitHint: 'Czekając, możesz już wpisać pytanie: konsultant zobaczy je, gdy dołączy.',
  offlineTitle: 'Zostaw nam wiadomość',
  offlineIntro: 'Nikt nie może teraz rozmawiać. Zostaw wiadomość, a odpowiemy e-mailem.',
  offlineName: 'Imię',
  offlineEmail: 'Adres e-mail',
  offlineText: 'Wiadomość',
  offlineDepartment: 'Dział',
  offlineAnyDepartment: 'Dowolny dział',
  offlineSend: 'Wyślij wiadomość',
  offlineSending: 'Wysyłanie…',
  offlineSent: (email) => `Dziękujemy! Wiadomość została wysłana. Odpowiemy na adres ${email}.`,
  offlineAnother: 'Napisz kolejną wiadomość',
  offlineBack: 'Wróć do czatu',
  offlineWait: 'Albo rozpocznij czat i poczekaj na konsultanta',
  offlineErrName: 'Podaj swoje imię.',
  offlineErrEmail: 'Podaj poprawny adres e-mail.',
  offlineErrText: 'Napisz wiadomość.',
  invitationTeam: 'z naszego zespołu',
  invitationAnnounce: (op) => `${op} zaprasza cię do rozmowy`,
  invitationStart: 'Rozpocznij czat',
  invitationClose: 'Zamknij zaproszenie',
  invitationNameHint: 'Jak mamy się do ciebie zwracać?',
  errors: {
    generic: 'Coś poszło nie tak. Spróbuj ponownie.',
    rateLimited: 'Wysyłasz wiadomości zbyt szybko. Poczekaj chwilę.',
    chatEnded: 'Ten czat został już zakończony.',
  },
});

export const LABELS: Record<string, Labels> = { en, pl };
export const BUTTON_LABELS: Record<string, ButtonLabels> = { en: enButton, pl: plButton };

/** The language of the first tag (such as `pl-PL`) the widget has labels for, else English. */
export function pickLang(...langs: (string | undefined)[]): string {
  for (const lang of langs) {
    const base = (lang || '').toLowerCase().split('-')[0];
    // biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is newer than the browsers the loader supports
    if (base && Object.prototype.hasOwnProperty.call(BUTTON_LABELS, base)) return base;
  }
  return 'en';
}

/** Picks the labels for a language tag such as `pl-PL`, falling back to English. */
export function pickLabels(...langs: (string | undefined)[]): Labels {
  return LABELS[pickLang(...langs)] || en;
}
