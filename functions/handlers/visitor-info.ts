/** WebSocket route `visitor-info`. */
import { updateVisitorInfo } from '../core/visitors.js';
import { visitorInfoSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('visitor-info', visitorInfoSchema, updateVisitorInfo);
