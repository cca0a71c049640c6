/**
 * `$connect` REQUEST authorizer: decides who the socket is. Its context (role, site, visitor or
 * operator id, and for a visitor what the connect request's headers tell) rides on every later
 * event of the connection, so no action needs a lookup to know its caller, and `$connect` itself
 * needs no Lambda. A refusal is a Deny policy: API Gateway answers the upgrade with 403.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { geoFromHeaders } from '../adapters/geo-headers.js';
import { log } from '../adapters/log.js';
import { createOneTimeScheduler } from '../adapters/scheduler.js';
import { parseUserAgent } from '../adapters/user-agent.js';
import { visitorTokens } from '../adapters/visitor-tokens.js';
import { authorizeConnect } from '../core/connections.js';
import { BadRequestError, ParleyError, summarizeIssues } from '../core/errors.js';
import type { Enrichment } from '../core/types.js';
import { recordPageView } from '../core/visitors.js';
import { type PageViewFrame, pageViewSchema } from '../protocol/schemas.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';

let scheduler: ReturnType<typeof createOneTimeScheduler> | undefined;

/** Well above what the widget sends (it falls back to the frame beyond 6,000 characters of URL). */
const PV_MAX_CHARS = 8_000;

function policy(effect: 'Allow' | 'Deny', resource: string, principalId: string, context?: Record<string, string>) {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    ...(context ? { context } : {}),
  } satisfies APIGatewayAuthorizerResult;
}

type ConnectRequestContext = {
  connectionId?: string;
  connectedAt?: number;
  identity?: { sourceIp?: string; userAgent?: string };
};

/**
 * Only the connect request carries headers: the CloudFront viewer headers (address, place), the
 * user agent and Accept-Language. The page view stores them (truncating the address when the site
 * asks); until then they live only in the connection's context.
 */
export function enrichmentOf(
  event: Pick<APIGatewayRequestAuthorizerEvent, 'headers'> & { requestContext?: unknown },
): Enrichment {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const { ip, geo } = geoFromHeaders(headers);
  const identity = (event.requestContext as ConnectRequestContext | undefined)?.identity;
  const lang = headers['accept-language']?.split(',')[0]?.split(';')[0]?.trim().slice(0, 35);
  const address = ip ?? identity?.sourceIp;
  return {
    ...(address ? { ip: address } : {}),
    ...(geo && Object.keys(geo).length ? { geo } : {}),
    client: parseUserAgent((headers['user-agent'] ?? identity?.userAgent)?.slice(0, 512)),
    ...(lang ? { lang } : {}),
  };
}

/**
 * The `pv` connect parameter: the `page-view` frame's fields as JSON (docs/protocol.md), checked by
 * the frame's own schema. Anything else refuses the connect before a single write.
 */
export function connectPageView(raw: string): PageViewFrame {
  if (raw.length > PV_MAX_CHARS) throw new BadRequestError(`pv: at most ${PV_MAX_CHARS} characters`);
  let fields: unknown;
  try {
    fields = JSON.parse(raw);
  } catch {
    throw new BadRequestError('pv: not JSON');
  }
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) throw new BadRequestError('pv: not an object');
  const { spa: _spa, resume: _resume, reqId: _reqId, ...view } = fields as Record<string, unknown>;
  const parsed = pageViewSchema.safeParse({ ...view, action: 'page-view' });
  if (!parsed.success) throw new BadRequestError(`pv: ${summarizeIssues(parsed.error.issues)}`);
  return parsed.data;
}

export const handler = observed(
  'ws-authorizer',
  async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    // The scheduler: a page view at connect may qualify the visitor for an automatic invitation.
    const deps = await loadDeps({ tokens: visitorTokens, scheduler: () => (scheduler ??= createOneTimeScheduler()) });
    const q = event.queryStringParameters ?? {};
    const rc = event.requestContext as unknown as ConnectRequestContext | undefined;
    try {
      const identity = await authorizeConnect(
        deps,
        {
          ...(q.role ? { role: q.role } : {}),
          ...(q.site ? { site: q.site } : {}),
          ...(q.vt ? { vt: q.vt } : {}),
          ...(q.ticket ? { ticket: q.ticket } : {}),
        },
        rc?.connectionId && rc.connectedAt ? { connectionId: rc.connectionId, connectedAt: rc.connectedAt } : undefined,
      );
      const context: Record<string, string> =
        identity.role === 'visitor'
          ? {
              role: 'visitor',
              siteId: identity.siteId,
              visitorId: identity.visitorId,
              returning: String(identity.returning),
              enrichment: JSON.stringify(enrichmentOf(event)),
            }
          : { role: 'operator', siteId: identity.siteId, operatorId: identity.operatorId };
      // The page view that came with the connect (`pv`): recorded now, welcomed by the stream.
      if (identity.role === 'visitor' && q.pv !== undefined) {
        if (!rc?.connectionId || !rc.connectedAt) throw new BadRequestError('pv: no connection to record it for');
        await recordPageView(
          deps,
          {
            identity,
            connectionId: rc.connectionId,
            connectedAt: rc.connectedAt,
            enrichment: JSON.parse(context.enrichment!) as Enrichment,
          },
          connectPageView(q.pv),
          { atConnect: true },
        );
      }
      const principal =
        identity.role === 'visitor' ? `visitor:${identity.visitorId}` : `operator:${identity.operatorId}`;
      return policy('Allow', event.methodArn, principal, context);
    } catch (err) {
      if (!(err instanceof ParleyError)) log.error('authorizer failed', { error: String(err) });
      else log.info('connection refused', { reason: err.message, role: q.role });
      return policy('Deny', event.methodArn, 'anonymous');
    }
  },
);
