/** `$disconnect`: forgets the connection and updates presence. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { log } from '../adapters/log.js';
import { createOneTimeScheduler } from '../adapters/scheduler.js';
import { disconnect } from '../core/connections.js';
import { loadDeps } from './deps.js';

let scheduler: ReturnType<typeof createOneTimeScheduler> | undefined;

import { identityOf, type WsEvent } from './ws-kit.js';

export const handler = async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  const deps = await loadDeps({ scheduler: () => (scheduler ??= createOneTimeScheduler()) });
  try {
    await disconnect(deps, identityOf(event), event.requestContext.connectionId);
  } catch (err) {
    // Nobody is listening for the outcome of a disconnect; log and move on.
    log.error('disconnect bookkeeping failed', { error: String(err) });
  }
  return { statusCode: 200, body: '' };
};
