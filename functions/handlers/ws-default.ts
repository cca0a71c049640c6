/** `$default`: any frame whose action no route knows, and frames that are not JSON at all. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ParleyError } from '../core/errors.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';
import { assertFrameSize, assertWithinRate, parseBody, reqIdOfRefusal, sendError, type WsEvent } from './ws-kit.js';

export const handler = observed('$default', async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  const deps = await loadDeps();
  const connectionId = event.requestContext.connectionId;
  let reqId: string | undefined;
  try {
    assertWithinRate(event);
    const body = parseBody(event);
    const { action, reqId: r } = body as { action?: unknown; reqId?: unknown };
    if (typeof r === 'string' && r.length <= 64) reqId = r;
    assertFrameSize(event);
    const name = typeof action === 'string' ? action.slice(0, 40) : undefined;
    throw new ParleyError('unknown-action', name ? `unknown action "${name}"` : 'frames need an "action"');
  } catch (err) {
    await sendError(deps, connectionId, err, reqId ?? reqIdOfRefusal(err));
  }
  return { statusCode: 200, body: '' };
});
