/** Size limits shared by server validation, the widget and the console. */
export const LIMITS = {
  /** API Gateway WebSocket frame limit. */
  frameBytes: 32 * 1024,
  /** API Gateway WebSocket message limit (frames reassembled). */
  messageBytes: 128 * 1024,
  chatText: 4000,
  url: 2048,
  title: 512,
  name: 80,
  email: 254,
  id: 64,
  customFields: 20,
  customKey: 40,
  customValue: 256,
  typingPreview: 200,
  note: 2000,
  /** An offline message (leave-message) and an operator's e-mail reply to one. */
  offlineText: 4000,
  offlineReply: 4000,
} as const;
