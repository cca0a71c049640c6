/** WebSocket route `leave-chat`. */
import { leaveChat } from '../core/chats.js';
import { leaveChatSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('leave-chat', leaveChatSchema, leaveChat);
