/** WebSocket route `tag-visitor`. */
import { tagVisitor } from '../core/visitors.js';
import { tagVisitorSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('tag-visitor', tagVisitorSchema, tagVisitor);
