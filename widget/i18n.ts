/**
 * Every text the visitor sees, one object per language. Adding a language = adding one object
 * of type `Labels` to `LABELS` (TypeScript then insists every label is translated).
 * Functions take the values that go into the text, so word order can differ per language.
 */
export interface Labels {
  liveHelp: string;
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
  unread: (count: number) => string;
  errors: {
    generic: string;
    rateLimited: string;
    chatEnded: string;
  };
}

const en: Labels = {
  liveHelp: 'Live Help',
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
  unread: (n) => `${n} unread`,
  errors: {
    generic: 'Something went wrong. Please try again.',
    rateLimited: 'You are sending messages too fast. Please wait a moment.',
    chatEnded: 'This chat has already ended.',
  },
};

export const LABELS: Record<string, Labels> = { en };

/** Picks the labels for a language tag such as `pl-PL`, falling back to English. */
export function pickLabels(...langs: (string | undefined)[]): Labels {
  for (const lang of langs) {
    const base = (lang || '').toLowerCase().split('-')[0];
    if (base && LABELS[base]) return LABELS[base];
  }
  return en;
}
