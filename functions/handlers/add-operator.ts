/** WebSocket route `add-operator`. */
import { addOperator } from '../core/chats.js';
import { addOperatorSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('add-operator', addOperatorSchema, addOperator);
