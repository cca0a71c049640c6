/**
 * A socket is recorded as one element of a string set `connIds` on its owner's item (visitor or
 * operator profile): `<connectedAt>|<connectionId>`. `$disconnect`'s DynamoDB integration builds
 * the same string from its context (routes.ts) to remove it.
 */
import type { Socket } from './types.js';

/**
 * API Gateway closes every WebSocket after 2 hours. An element older than that is a socket whose
 * `$disconnect` was lost: it counts as closed, whatever the set still says.
 */
export const CONNECTION_MAX_MS = 2 * 60 * 60 * 1000;

/**
 * A post may reach a socket in the moment between the authorizer recording it and API Gateway
 * opening it (410 Gone): a socket younger than this is never forgotten for answering Gone.
 */
export const GONE_GRACE_MS = 10_000;

/** The set element of a socket. `$disconnect`'s template builds the same string from $context. */
export function socketElement(connectedAt: number, connectionId: string): string {
  return `${connectedAt}|${connectionId}`;
}

export function parseSocketElement(element: string): Socket | undefined {
  const bar = element.indexOf('|');
  if (bar <= 0) return undefined;
  const connectedAt = Number(element.slice(0, bar));
  const connectionId = element.slice(bar + 1);
  return Number.isFinite(connectedAt) && connectionId ? { connectionId, connectedAt } : undefined;
}

/** The sockets of a stored `connIds` set that can still be open at `now`. */
export function liveSockets(elements: Iterable<string> | undefined, now: number): Socket[] {
  const out: Socket[] = [];
  for (const e of elements ?? []) {
    const s = parseSocketElement(e);
    if (s && now - s.connectedAt < CONNECTION_MAX_MS) out.push(s);
  }
  return out;
}
