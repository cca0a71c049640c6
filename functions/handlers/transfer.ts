/** WebSocket route `transfer`. */
import { transferChat } from '../core/chats.js';
import { transferSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('transfer', transferSchema, transferChat);
