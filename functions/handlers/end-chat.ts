/** WebSocket route `end-chat`. */
import { endChat } from '../core/chats.js';
import { endChatSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('end-chat', endChatSchema, endChat);
