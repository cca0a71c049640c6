import { describe, expect, it } from 'vitest';
import { parseUserAgent } from '../../functions/adapters/user-agent.js';

const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  androidTablet:
    'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.118 Safari/537.36',
  androidPhone:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  googlebotSmartphone:
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  bingbot: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  yahooSlurp: 'Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)',
  curl: 'curl/8.5.0',
};

describe('parseUserAgent', () => {
  it('reads Chrome on Windows as a desktop', () => {
    expect(parseUserAgent(UA.chromeWindows)).toEqual({
      browser: 'Chrome',
      browserVersion: '124.0',
      os: 'Windows',
      osVersion: '10',
      device: 'desktop',
    });
  });

  it('reads Safari on an iPhone as a mobile Apple device', () => {
    expect(parseUserAgent(UA.safariIphone)).toEqual({
      browser: 'Mobile Safari',
      browserVersion: '17.4',
      os: 'iOS',
      osVersion: '17.4.1',
      device: 'mobile',
      deviceVendor: 'Apple',
      deviceModel: 'iPhone',
    });
  });

  it('reads Firefox on Linux as a desktop', () => {
    expect(parseUserAgent(UA.firefoxLinux)).toEqual({
      browser: 'Firefox',
      browserVersion: '125.0',
      os: 'Linux',
      device: 'desktop',
    });
  });

  it('reads an Android tablet with its vendor and model', () => {
    expect(parseUserAgent(UA.androidTablet)).toEqual({
      browser: 'Chrome',
      browserVersion: '123.0',
      os: 'Android',
      osVersion: '13',
      device: 'tablet',
      deviceVendor: 'Samsung',
      deviceModel: 'SM-X700',
    });
  });

  it('reads an Android phone as mobile', () => {
    expect(parseUserAgent(UA.androidPhone)).toMatchObject({ os: 'Android', device: 'mobile', deviceModel: 'Pixel 8' });
  });

  it('reads Safari on a Mac and Edge on Windows', () => {
    expect(parseUserAgent(UA.safariMac)).toMatchObject({
      browser: 'Safari',
      browserVersion: '17.4',
      os: 'Mac OS',
      osVersion: '10.15.7',
      device: 'desktop',
    });
    expect(parseUserAgent(UA.edgeWindows)).toMatchObject({
      browser: 'Edge',
      browserVersion: '124.0',
      device: 'desktop',
    });
  });

  it('names crawlers as bots, even those that pretend to be Chrome on a phone', () => {
    expect(parseUserAgent(UA.googlebot)).toEqual({ browser: 'Googlebot', browserVersion: '2.1', device: 'bot' });
    expect(parseUserAgent(UA.googlebotSmartphone)).toEqual({
      browser: 'Googlebot',
      browserVersion: '2.1',
      device: 'bot',
    });
    expect(parseUserAgent(UA.bingbot)).toEqual({ browser: 'bingbot', browserVersion: '2.0', device: 'bot' });
    expect(parseUserAgent(UA.yahooSlurp)).toEqual({ browser: 'Yahoo! Slurp', device: 'bot' });
    expect(parseUserAgent(UA.curl)).toEqual({ browser: 'curl', browserVersion: '8.5', device: 'bot' });
  });

  it('does not take a phone brand ending in "bot" for a crawler', () => {
    const cubot =
      'Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
    expect(parseUserAgent(cubot).device).not.toBe('bot');
  });

  it('gives nothing it cannot read: garbage, markup, empty, missing', () => {
    expect(parseUserAgent('💥 definitely not a browser')).toEqual({});
    expect(parseUserAgent('<script>alert(1)</script>')).toEqual({});
    expect(parseUserAgent('')).toEqual({});
    expect(parseUserAgent('   ')).toEqual({});
    expect(parseUserAgent(undefined)).toEqual({});
  });

  it('copes with a huge header', () => {
    expect(parseUserAgent(`${UA.chromeWindows} ${'x'.repeat(100_000)}`)).toMatchObject({ browser: 'Chrome' });
  });

  it('answers a repeated string from its cache, with a copy the caller may change', () => {
    const first = parseUserAgent(UA.firefoxLinux);
    first.browser = 'changed';
    expect(parseUserAgent(UA.firefoxLinux).browser).toBe('Firefox');
  });

  it('keeps working once its cache is full', () => {
    for (let i = 0; i < 1200; i++) parseUserAgent(`${UA.chromeWindows} build/${i}`);
    expect(parseUserAgent(UA.chromeWindows)).toMatchObject({ browser: 'Chrome', device: 'desktop' });
  });
});
