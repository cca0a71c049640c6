/**
 * What the `$connect` authorizer puts in its context about a visitor (it rides on every later
 * event of the connection, so it must stay small whatever the client sends).
 */
import { describe, expect, it } from 'vitest';
import { enrichmentOf } from '../../functions/handlers/ws-authorizer.js';

describe('the authorizer’s enrichment', () => {
  it('reads the CloudFront viewer headers, the browser and the first language', () => {
    const e = enrichmentOf({
      headers: {
        'CloudFront-Viewer-Address': '203.0.113.9:443',
        'cloudfront-viewer-country': 'DE',
        'cloudfront-viewer-city': 'Berlin',
        'User-Agent':
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
        'Accept-Language': 'de-DE,de;q=0.9,en;q=0.8',
      },
    });
    expect(e).toMatchObject({
      ip: '203.0.113.9',
      geo: { country: 'DE', city: 'Berlin' },
      client: { browser: 'Chrome', os: 'Linux' },
      lang: 'de-DE',
    });
  });

  it('stays small and well-formed for hostile headers', () => {
    const huge = `${'A'.repeat(20_000)}"}<script>`;
    const e = enrichmentOf({
      headers: {
        'user-agent': huge,
        'accept-language': huge,
        'cloudfront-viewer-city': huge,
        'cloudfront-viewer-address': huge,
      },
    });
    const json = JSON.stringify(e);
    expect(json.length).toBeLessThan(2_000);
    expect(JSON.parse(json)).toEqual(e);
  });

  it('falls back to the source address of the request context without CloudFront', () => {
    const e = enrichmentOf({ headers: {}, requestContext: { identity: { sourceIp: '198.51.100.4' } } });
    expect(e.ip).toBe('198.51.100.4');
  });
});
