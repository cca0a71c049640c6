/** WebSocket route `leave-message` (visitors): store the message, publish it for the mail function. */
import { createEventPublisher } from '../adapters/event-bus.js';
import { leaveMessage } from '../core/offline-messages.js';
import { leaveMessageSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

let publisher: ReturnType<typeof createEventPublisher> | undefined;

export const handler = wsAction('leave-message', leaveMessageSchema, leaveMessage, {
  events: () => (publisher ??= createEventPublisher()),
});
