/** WebSocket route `decline`. */
import { declineChat } from '../core/chats.js';
import { declineSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('decline', declineSchema, declineChat);
