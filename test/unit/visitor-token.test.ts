import { describe, expect, it } from 'vitest';
import { createVisitorTokens } from '../../functions/core/visitor-token.js';

const tokens = createVisitorTokens('a-test-secret-that-is-long-enough-1234567890');
const visitorId = '01JABCDEFGHJKMNPQRSTVWXYZ0';

describe('visitor tokens', () => {
  it('verifies a token it signed, for the same site', () => {
    expect(tokens.verify('demo', tokens.sign('demo', visitorId))).toBe(visitorId);
  });

  it('refuses a token signed for another site', () => {
    expect(tokens.verify('other', tokens.sign('demo', visitorId))).toBeUndefined();
  });

  it('refuses a token whose visitor id was swapped for another', () => {
    const token = tokens.sign('demo', visitorId);
    const swapped = token.replace(visitorId, '01JABCDEFGHJKMNPQRSTVWXYZ1');
    expect(tokens.verify('demo', swapped)).toBeUndefined();
  });

  it('refuses a token signed with another secret', () => {
    const other = createVisitorTokens('another-secret-that-is-long-enough-0987654321');
    expect(tokens.verify('demo', other.sign('demo', visitorId))).toBeUndefined();
  });

  it('refuses malformed tokens without throwing', () => {
    for (const bad of ['', '.', 'abc', `${visitorId}.`, `${visitorId}.x.y`, 'not-a-ulid.sig', '💥.💥']) {
      expect(tokens.verify('demo', bad)).toBeUndefined();
    }
  });

  it('refuses to run with a short secret', () => {
    expect(() => createVisitorTokens('short')).toThrow(/at least 32/);
  });
});
