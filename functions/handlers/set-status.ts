/** WebSocket route `set-status`. */
import { setStatus } from '../core/operators.js';
import { setStatusSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('set-status', setStatusSchema, setStatus);
