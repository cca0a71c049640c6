/** WebSocket route `typing`. */
import { sendTyping } from '../core/chats.js';
import { typingSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('typing', typingSchema, sendTyping);
