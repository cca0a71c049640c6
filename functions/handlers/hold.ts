/** WebSocket route `hold`. */
import { holdChat } from '../core/chats.js';
import { holdSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('hold', holdSchema, holdChat);
