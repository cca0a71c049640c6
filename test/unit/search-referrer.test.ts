import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SEARCH_QUERY_LENGTH, searchFromReferrer } from '../../functions/core/search-referrer.js';

describe('searchFromReferrer', () => {
  it.each([
    // [referrer, engine, query]
    ['https://www.google.com/search?q=live+chat+software&oq=live', 'Google', 'live chat software'],
    ['https://www.google.co.uk/search?q=parley%20chat', 'Google', 'parley chat'],
    ['https://www.google.pl/search?q=czat+na+%C5%BCywo', 'Google', 'czat na żywo'],
    ['https://www.google.com.au/url?sa=t&q=help+desk', 'Google', 'help desk'],
    ['https://google.de/search?q=kundenservice', 'Google', 'kundenservice'],
    ['https://www.bing.com/search?q=customer+support+chat&form=QBLH', 'Bing', 'customer support chat'],
    ['https://cn.bing.com/search?q=%E5%9C%A8%E7%BA%BF%E5%AE%A2%E6%9C%8D', 'Bing', '在线客服'],
    ['https://duckduckgo.com/?q=self+hosted+chat&t=h_', 'DuckDuckGo', 'self hosted chat'],
    ['https://html.duckduckgo.com/html/?q=parley', 'DuckDuckGo', 'parley'],
    ['https://search.yahoo.com/search?p=chat+widget&fr=yfp', 'Yahoo!', 'chat widget'],
    ['https://uk.search.yahoo.com/search?p=live+help', 'Yahoo!', 'live help'],
    ['https://search.yahoo.co.jp/search?p=%E3%83%81%E3%83%A3%E3%83%83%E3%83%88', 'Yahoo! JAPAN', 'チャット'],
    ['https://yandex.ru/search/?text=%D0%BE%D0%BD%D0%BB%D0%B0%D0%B9%D0%BD+%D1%87%D0%B0%D1%82', 'Yandex', 'онлайн чат'],
    ['https://yandex.com.tr/search/?text=canl%C4%B1+destek', 'Yandex', 'canlı destek'],
    ['https://ya.ru/search/?text=parley', 'Yandex', 'parley'],
    ['https://www.baidu.com/s?wd=%E5%AE%A2%E6%9C%8D&rsv_spt=1', 'Baidu', '客服'],
    ['https://m.baidu.com/s?word=parley', 'Baidu', 'parley'],
    ['https://www.ecosia.org/search?method=index&q=green+hosting', 'Ecosia', 'green hosting'],
    ['https://www.ask.com/web?q=what+is+live+chat', 'Ask', 'what is live chat'],
    ['https://search.aol.com/aol/search?q=chat+support', 'AOL', 'chat support'],
    ['https://search.naver.com/search.naver?where=nexearch&query=%EC%B1%84%ED%8C%85', 'Naver', '채팅'],
    ['https://m.search.naver.com/search.naver?query=parley', 'Naver', 'parley'],
    ['https://search.daum.net/search?w=tot&q=parley', 'Daum', 'parley'],
    ['https://search.seznam.cz/?q=%C5%BEiv%C3%BD+chat', 'Seznam', 'živý chat'],
    ['https://www.qwant.com/?q=chat+en+direct&t=web', 'Qwant', 'chat en direct'],
    ['https://www.startpage.com/do/search?query=private+chat', 'Startpage', 'private chat'],
    ['https://search.brave.com/search?q=parley+chat&source=web', 'Brave Search', 'parley chat'],
    ['https://www.sogou.com/web?query=%E5%9C%A8%E7%BA%BF', 'Sogou', '在线'],
    ['https://m.sogou.com/web/searchList.jsp?keyword=parley', 'Sogou', 'parley'],
    ['https://www.so.com/s?q=parley', '360 Search', 'parley'],
    ['https://www.mojeek.com/search?q=independent+search', 'Mojeek', 'independent search'],
    ['https://ekoru.org/?q=ocean', 'Ekoru', 'ocean'],
    ['https://kagi.com/search?q=parley', 'Kagi', 'parley'],
  ])('reads the query from %s', (referrer, engine, query) => {
    expect(searchFromReferrer(referrer)).toEqual({ engine, query });
  });

  it.each([
    // Most engines send only their origin now: the engine is still worth showing.
    ['https://www.google.com/', 'Google'],
    ['https://www.google.co.jp/', 'Google'],
    ['android-app://com.google.android.googlequicksearchbox/', 'Google'],
    ['https://www.bing.com/', 'Bing'],
    ['https://duckduckgo.com/', 'DuckDuckGo'],
    ['https://r.search.yahoo.com/_ylt=Awr/RV=2/RE=1/RO=10/RU=https%3a%2f%2fexample.com/RK=2/RS=x-', 'Yahoo!'],
    ['https://yandex.ru/', 'Yandex'],
    ['https://www.ecosia.org/', 'Ecosia'],
    ['https://search.brave.com/', 'Brave Search'],
    ['https://www.google.com/search?q=', 'Google'],
    ['https://www.google.com/search?q=%20%20', 'Google'],
  ])('names the engine without a query for %s', (referrer, engine) => {
    expect(searchFromReferrer(referrer)).toEqual({ engine });
  });

  it.each([
    'https://example.com/?q=not+a+search+engine',
    'https://mail.google.com/mail/u/0/',
    'https://docs.google.com/document/d/abc',
    'https://news.yahoo.com/some-story',
    'https://google.org/?q=charity',
    'https://notgoogle.com/?q=x',
    'https://google.com.evil.example/?q=x',
    'https://www.facebook.com/',
    'ftp://www.google.com/?q=x',
    'javascript:alert(1)',
    'not a url',
    '',
    undefined,
  ])('is undefined for %s', (referrer) => {
    expect(searchFromReferrer(referrer)).toBeUndefined();
  });

  it('ignores the case of the host and a trailing dot', () => {
    expect(searchFromReferrer('HTTPS://WWW.GOOGLE.COM./search?q=x')).toEqual({ engine: 'Google', query: 'x' });
  });

  it('takes the query from the fragment when the engine put it there', () => {
    expect(searchFromReferrer('https://www.google.com/#q=chat+help')).toEqual({ engine: 'Google', query: 'chat help' });
  });

  it('collapses whitespace, drops control characters and caps the length', () => {
    expect(searchFromReferrer('https://www.bing.com/search?q=%0Aa%09%09b%00c%20%20')).toEqual({
      engine: 'Bing',
      query: 'a b c',
    });
    const long = searchFromReferrer(`https://www.bing.com/search?q=${'é'.repeat(500)}`);
    expect(long?.query).toHaveLength(MAX_SEARCH_QUERY_LENGTH);
  });

  it('keeps a query containing markup as plain text (it is rendered as text)', () => {
    expect(searchFromReferrer('https://duckduckgo.com/?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E')).toEqual({
      engine: 'DuckDuckGo',
      query: '<img src=x onerror=alert(1)>',
    });
  });

  it('survives malformed percent-encoding', () => {
    expect(searchFromReferrer('https://www.google.com/search?q=%E0%A4%A')).toMatchObject({ engine: 'Google' });
    expect(searchFromReferrer('https://www.google.com/search?q=100%')).toEqual({ engine: 'Google', query: '100%' });
  });

  it('never throws, whatever it is given', () => {
    const engines = fc.constantFrom('www.google.com', 'www.bing.com', 'duckduckgo.com', 'yandex.ru', 'www.baidu.com');
    fc.assert(
      fc.property(engines, fc.string(), fc.string(), (host, name, value) => {
        const url = `https://${host}/search?${encodeURIComponent(name)}=${encodeURIComponent(value)}&q=${value}`;
        searchFromReferrer(url);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true })), (referrer) => {
        const result = searchFromReferrer(referrer);
        if (result) expect(typeof result.engine).toBe('string');
      }),
      { numRuns: 60 }, // generating web URLs is the slow part, not the function
    );
    expect(searchFromReferrer(42 as unknown as string)).toBeUndefined();
    expect(searchFromReferrer(`https://www.google.com/search?q=${'x'.repeat(10_000)}`)).toBeUndefined();
  });
});
