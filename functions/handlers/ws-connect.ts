/**
 * `$connect`: records the connection the authorizer admitted, with what only this request tells:
 * the CloudFront viewer headers (address, place), the user agent and Accept-Language.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { geoFromHeaders } from '../adapters/geo-headers.js';
import { parseUserAgent } from '../adapters/user-agent.js';
import { connect } from '../core/connections.js';
import type { Enrichment } from '../core/types.js';
import { loadDeps } from './deps.js';
import { identityOf, type WsEvent } from './ws-kit.js';

type ConnectEvent = WsEvent & { headers?: Record<string, string | undefined> };

function enrichmentOf(event: ConnectEvent): Enrichment {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const { ip, geo } = geoFromHeaders(headers);
  const identity = (event.requestContext as { identity?: { sourceIp?: string; userAgent?: string } }).identity;
  const lang = headers['accept-language']?.split(',')[0]?.split(';')[0]?.trim().slice(0, 35);
  return {
    ...(ip || identity?.sourceIp ? { ip: ip ?? identity?.sourceIp } : {}),
    ...(geo && Object.keys(geo).length ? { geo } : {}),
    client: parseUserAgent(headers['user-agent'] ?? identity?.userAgent),
    ...(lang ? { lang } : {}),
  };
}

export const handler = async (event: ConnectEvent): Promise<APIGatewayProxyResult> => {
  const deps = await loadDeps();
  const identity = identityOf(event);
  await connect(
    deps,
    identity,
    event.requestContext.connectionId,
    identity.role === 'visitor' ? enrichmentOf(event) : undefined,
  );
  return { statusCode: 200, body: '' };
};
