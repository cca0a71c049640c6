/** WebSocket route `accept`. */
import { acceptChat } from '../core/chats.js';
import { acceptSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('accept', acceptSchema, acceptChat);
