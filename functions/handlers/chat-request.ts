/** WebSocket route `chat-request`. */
import { requestChat } from '../core/chats.js';
import { chatRequestSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('chat-request', chatRequestSchema, requestChat);
