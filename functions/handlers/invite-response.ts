/** WebSocket route `invite-response`. */
import { respondToInvitation } from '../core/invitations.js';
import { inviteResponseSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('invite-response', inviteResponseSchema, respondToInvitation);
