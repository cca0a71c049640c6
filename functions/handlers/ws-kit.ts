/**
 * The edge of every WebSocket action: parse the frame, validate it with zod, establish the caller
 * from the `$connect` authorizer's context, run one use case, and turn any failure into a
 * protocol `error` frame that echoes `reqId`. The connection always stays usable.
 */
import middy from '@middy/core';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import type { output, ZodMiniType } from 'zod/mini';
import { correlate, log } from '../adapters/log.js';
import type { Caller } from '../core/context.js';
import {
  BadRequestError,
  describeError,
  ForbiddenError,
  ParleyError,
  RateLimitedError,
  summarizeIssues,
} from '../core/errors.js';
import type { Deps } from '../core/ports.js';
import { createRateLimiter, DEFAULT_RATE_LIMITS, parseRateLimit } from '../core/rate-limit.js';
import type { Enrichment, Identity } from '../core/types.js';
import { LIMITS } from '../protocol/limits.js';
import { OPERATOR_ACTIONS, VISITOR_ACTIONS } from '../protocol/schemas.js';
import { type DepsOptions, loadDeps } from './deps.js';
import { observed } from './middleware.js';

export type WsEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { authorizer?: Record<string, unknown> };
};

const OK: APIGatewayProxyResult = { statusCode: 200, body: '' };

/** The identity the authorizer put on the connection at `$connect`. */
export function identityOf(event: WsEvent): Identity {
  const ctx = event.requestContext.authorizer ?? {};
  const siteId = String(ctx.siteId ?? '');
  if (ctx.role === 'visitor' && ctx.visitorId && siteId) {
    return { role: 'visitor', siteId, visitorId: String(ctx.visitorId), returning: String(ctx.returning) === 'true' };
  }
  if (ctx.role === 'operator' && ctx.operatorId && siteId) {
    return { role: 'operator', siteId, operatorId: String(ctx.operatorId) };
  }
  throw new ForbiddenError('this connection has no identity');
}

/** The visitor's connect-time enrichment the authorizer put in its context (a JSON string). */
export function enrichmentOf(event: WsEvent): Enrichment | undefined {
  const raw = event.requestContext.authorizer?.enrichment;
  if (typeof raw !== 'string' || raw.length > 4096) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Enrichment) : undefined;
  } catch {
    return undefined;
  }
}

function reqIdOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'reqId' in body) {
    const r = (body as { reqId: unknown }).reqId;
    if (typeof r === 'string' && r.length <= 64) return r;
  }
  return undefined;
}

/** API Gateway accepts messages up to 128 KB in 32 KB frames; Parley's frames stay within one. */
export function assertFrameSize(event: WsEvent): void {
  if (Buffer.byteLength(event.body ?? '') > LIMITS.frameBytes) {
    throw new ParleyError('frame-too-large', `frames may be at most ${LIMITS.frameBytes} bytes`);
  }
}

// Read once at cold start; one limiter per instance (in the local runtime, one for all routes).
const rateLimits = {
  visitor: parseRateLimit(process.env.WS_RATE_VISITOR, DEFAULT_RATE_LIMITS.visitor),
  operator: parseRateLimit(process.env.WS_RATE_OPERATOR, DEFAULT_RATE_LIMITS.operator),
};
const limiter = createRateLimiter();

/**
 * Every frame, valid or not, takes a token of its connection's bucket before any other work; an
 * empty bucket refuses it with `rate-limited` (echoing the reqId when there is one).
 */
export function assertWithinRate(event: WsEvent): void {
  const role = event.requestContext.authorizer?.role === 'operator' ? 'operator' : 'visitor';
  if (limiter.take(event.requestContext.connectionId, rateLimits[role], Date.now())) return;
  let reqId: string | undefined;
  if (Buffer.byteLength(event.body ?? '') <= LIMITS.frameBytes) {
    try {
      reqId = reqIdOf(JSON.parse(event.body ?? ''));
    } catch {
      // not JSON: no reqId to echo
    }
  }
  throw new RateLimitedFrame(reqId);
}

class RateLimitedFrame extends RateLimitedError {
  constructor(readonly reqId: string | undefined) {
    super('too many frames on this connection; slow down');
  }
}

/** The reqId to echo for a failure before the frame was parsed. */
export function reqIdOfRefusal(err: unknown): string | undefined {
  return err instanceof RateLimitedFrame ? err.reqId : undefined;
}

export function parseBody(event: WsEvent): unknown {
  let body: unknown;
  try {
    body = JSON.parse(event.body ?? '');
  } catch (cause) {
    assertFrameSize(event);
    throw new ParleyError('bad-json', 'frames must be JSON objects', { cause });
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ParleyError('bad-json', 'frames must be JSON objects');
  }
  return body;
}

export async function sendError(deps: Deps, connectionId: string, err: unknown, reqId?: string) {
  const { code, message } = describeError(err);
  if (code === 'internal') log.error('action failed', { connectionId, error: String((err as Error)?.stack ?? err) });
  await deps.notifier.send([connectionId], { type: 'error', code, message, ...(reqId ? { reqId } : {}) });
}

export function wsAction<S extends ZodMiniType>(
  action: string,
  schema: S,
  run: (deps: Deps, caller: Caller, frame: output<S>) => Promise<void>,
  options: DepsOptions = {},
) {
  const visitorMay = (VISITOR_ACTIONS as readonly string[]).includes(action);
  const operatorMay = (OPERATOR_ACTIONS as readonly string[]).includes(action);
  const handler = middy<WsEvent, APIGatewayProxyResult>().handler(async (event) => {
    const deps = await loadDeps(options);
    const connectionId = event.requestContext.connectionId;
    let reqId: string | undefined;
    try {
      assertWithinRate(event);
      const body = parseBody(event);
      reqId = reqIdOf(body);
      assertFrameSize(event);
      // The chat the frame names is the correlation id of every line this request writes.
      const chatId = (body as { chatId?: unknown }).chatId;
      if (typeof chatId === 'string') correlate({ chatId: chatId.slice(0, 64) });
      const identity = identityOf(event);
      if ((identity.role === 'visitor' && !visitorMay) || (identity.role === 'operator' && !operatorMay)) {
        throw new ForbiddenError(`${identity.role}s may not send ${action}`);
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new BadRequestError(summarizeIssues(parsed.error.issues));
      const receivedAt = event.requestContext.requestTimeEpoch ?? Date.now();
      const connectedAt = event.requestContext.connectedAt;
      const enrichment = enrichmentOf(event);
      await run(
        deps,
        {
          identity,
          connectionId,
          receivedAt,
          ...(connectedAt ? { connectedAt } : {}),
          ...(enrichment ? { enrichment } : {}),
          ...(reqId ? { reqId } : {}),
        },
        parsed.data,
      );
    } catch (err) {
      await sendError(deps, connectionId, err, reqId ?? reqIdOfRefusal(err));
    }
    return OK;
  });
  return observed(action, handler);
}
