/** WebSocket route `sync`. */
import { syncChat } from '../core/chats.js';
import { syncSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('sync', syncSchema, syncChat);
