/**
 * Visitor tokens: `<visitorId>.<mac>` where mac = HMAC-SHA256(secret, "v1|site|visitorId").
 * Bound to one site, so a token from another site (or any edit) is worthless.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VisitorTokens } from './ports.js';

const VISITOR_ID = /^[0-9A-Z]{26}$/;

export function createVisitorTokens(secret: string): VisitorTokens {
  if (secret.length < 32) throw new Error('visitor token secret must be at least 32 characters');
  const mac = (siteId: string, visitorId: string) =>
    createHmac('sha256', secret).update(`v1|${siteId}|${visitorId}`).digest('base64url');
  return {
    sign: (siteId, visitorId) => `${visitorId}.${mac(siteId, visitorId)}`,
    verify(siteId, token) {
      const [visitorId, given, ...rest] = token.split('.');
      if (!visitorId || !given || rest.length > 0 || !VISITOR_ID.test(visitorId)) return undefined;
      const expected = Buffer.from(mac(siteId, visitorId));
      const actual = Buffer.from(given);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
      return visitorId;
    },
  };
}
