/** WebSocket route `chat-message`. */
import { sendMessage } from '../core/chats.js';
import { chatMessageSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('chat-message', chatMessageSchema, sendMessage);
