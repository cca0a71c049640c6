/**
 * Visitor tokens signed with the secret from Secrets Manager (or the local secret). Only the
 * functions that sign or verify tokens import this module, so only their bundles carry the
 * Secrets Manager client.
 */
import type { VisitorTokens } from '../core/ports.js';
import { createVisitorTokens } from '../core/visitor-token.js';
import { visitorTokenSecret } from './secrets.js';

let tokens: Promise<VisitorTokens> | undefined;

export function visitorTokens(): Promise<VisitorTokens> {
  tokens ??= visitorTokenSecret().then(createVisitorTokens);
  tokens.catch(() => {
    tokens = undefined;
  });
  return tokens;
}
