/** WebSocket route `hello`. */
import { hello } from '../core/operators.js';
import { helloSchema } from '../protocol/schemas.js';
import { wsAction } from './ws-kit.js';

export const handler = wsAction('hello', helloSchema, hello);
