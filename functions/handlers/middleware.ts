/**
 * Observability around every handler: the invocation's correlation (route, Lambda request id,
 * API Gateway request id, connection, site, chat) is set from the event before the handler runs,
 * so every log line written inside carries it; at the end one summary line is written with the
 * outcome, the duration and the invocation's EMF metrics.
 *
 * A wrapper rather than a middy middleware: the correlation lives in AsyncLocalStorage, which
 * must wrap the handler's whole execution (`run`), and middy's before/after hooks cannot.
 */
import { type Correlation, log, withInvocation } from '../adapters/log.js';
import { flushInvocation } from '../adapters/metrics.js';

interface LambdaContextLike {
  awsRequestId?: string;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** What any of Parley's event shapes (WebSocket, HTTP API, EventBridge, Scheduler) tells about itself. */
export function correlationOf(route: string, event: unknown, context: LambdaContextLike | undefined): Correlation {
  const e = (event ?? {}) as {
    routeKey?: unknown;
    requestContext?: { requestId?: unknown; connectionId?: unknown; authorizer?: { siteId?: unknown } };
    pathParameters?: { chatId?: unknown };
    detail?: { chatId?: unknown; siteId?: unknown };
    siteId?: unknown;
  };
  // The HTTP API's route key (`GET /api/me`) says more than the function's name.
  const c: Correlation = { route: str(e.routeKey) ?? route };
  const fields: [keyof Correlation, string | undefined][] = [
    ['requestId', str(context?.awsRequestId)],
    ['apiRequestId', str(e.requestContext?.requestId)],
    ['connectionId', str(e.requestContext?.connectionId)],
    ['siteId', str(e.requestContext?.authorizer?.siteId) ?? str(e.detail?.siteId) ?? str(e.siteId)],
    ['chatId', str(e.pathParameters?.chatId) ?? str(e.detail?.chatId)],
  ];
  for (const [k, v] of fields) if (v) c[k] = v.slice(0, 128);
  return c;
}

/**
 * Wraps a Lambda handler: `route` names it in the logs (the WebSocket route key, `http-api`,
 * `mail`...). A thrown error is logged with its stack and thrown again for Lambda to see.
 */
export function observed<E, R, C extends LambdaContextLike>(
  route: string,
  // biome-ignore lint/suspicious/noExplicitAny: middy's handlers take a third, optional argument
  handler: (event: E, context: C, ...rest: any[]) => Promise<R>,
): (event: E, context?: C) => Promise<R> {
  return (event, context) =>
    withInvocation(correlationOf(route, event, context), async () => {
      const started = Date.now();
      let outcome = 'ok';
      try {
        return await handler(event, (context ?? {}) as C);
      } catch (err) {
        outcome = 'error';
        log.error('invocation failed', { error: String((err as Error)?.stack ?? err) });
        throw err;
      } finally {
        flushInvocation({ msg: 'done', outcome, durationMs: Date.now() - started });
      }
    });
}
