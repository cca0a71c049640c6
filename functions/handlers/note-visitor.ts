/** WebSocket route `note-visitor`. */
import { noteVisitor } from '../core/visitors.js';
import { noteVisitorSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('note-visitor', noteVisitorSchema, noteVisitor);
