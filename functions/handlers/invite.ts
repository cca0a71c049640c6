/** WebSocket route `invite`. */
import { inviteVisitor } from '../core/invitations.js';
import { inviteSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('invite', inviteSchema, inviteVisitor);
