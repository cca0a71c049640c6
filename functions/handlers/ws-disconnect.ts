/** `$disconnect`: forgets the connection and updates presence. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { log } from '../adapters/log.js';
import { disconnect } from '../core/connections.js';
import { loadDeps } from './deps.js';
import { identityOf, type WsEvent } from './ws-kit.js';

export const handler = async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  const deps = await loadDeps();
  try {
    await disconnect(deps, identityOf(event), event.requestContext.connectionId);
  } catch (err) {
    // Nobody is listening for the outcome of a disconnect; log and move on.
    log.error('disconnect bookkeeping failed', { error: String(err) });
  }
  return { statusCode: 200, body: '' };
};
