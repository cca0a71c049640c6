/**
 * `npm run build` output: the files a site and an operator load, within their size budgets,
 * and no HTML-injection sinks anywhere in the browser sources.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../e2e/support/browser.js';

const dist = (p: string) => join(ROOT, 'dist', p);
const gz = (p: string) => gzipSync(readFileSync(dist(p)), { level: 9 }).length;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => /\.(ts|tsx|js|html)$/.test(f) && statSync(join(ROOT, f)).isFile());
}

describe('the browser build', () => {
  beforeAll(() => {
    ensureBuilt();
  }, 120_000);

  it('writes the loader, the chat window and the console', () => {
    for (const f of ['widget/parley.js', 'widget/chat.js', 'console/index.html', 'console/app.js', 'console/app.css']) {
      expect(statSync(dist(f)).size, f).toBeGreaterThan(0);
    }
  });

  it('keeps the loader an IIFE under 6 KB gzip and the chat window an ES module under 20 KB gzip', () => {
    const sizes = { loader: gz('widget/parley.js'), chat: gz('widget/chat.js') };
    // For the record (the budget is the assertion): what every page pays, and what opening a chat adds.
    console.info(`widget gzip: parley.js ${sizes.loader} B, chat.js ${sizes.chat} B`);
    expect(sizes.loader).toBeLessThanOrEqual(6 * 1024);
    expect(sizes.chat).toBeLessThanOrEqual(20 * 1024);
    const loader = readFileSync(dist('widget/parley.js'), 'utf8');
    expect(loader.trimStart().startsWith('(()=>{') || loader.trimStart().startsWith('"use strict";(()=>{')).toBe(true);
    expect(loader).not.toMatch(/\bpreact\b/i);
    expect(readFileSync(dist('widget/chat.js'), 'utf8')).toMatch(/export\s*\{/);
  });

  it('loads the link finder (linkifyjs) as its own chunk, only when the chat window asks for it', () => {
    const chat = readFileSync(dist('widget/chat.js'), 'utf8');
    const chunks = readdirSync(dist('widget')).filter((f) => /^chat-links-[A-Z0-9]+\.js$/.test(f));
    expect(chunks).toHaveLength(1);
    const chunk = chunks[0]!;
    // A dynamic import relative to chat.js, and no static import at all (one request for chat.js).
    expect(chat).toContain(`import("./${chunk}")`);
    expect(chat).not.toMatch(/\bfrom\s*["']\.\.?\/|(^|[;}])import\s*["']/);
    // The TLD list (the bulk of linkifyjs) is in the chunk, not in chat.js.
    expect(chat).not.toContain('ericanexpress');
    expect(readFileSync(dist(`widget/${chunk}`), 'utf8')).toContain('ericanexpress');
    expect(gz(`widget/${chunk}`)).toBeLessThanOrEqual(11 * 1024);
    // Only what the build writes: the loader, the window and its chunk.
    expect(readdirSync(dist('widget')).sort()).toEqual(['chat.js', chunk, 'parley.js'].sort());
  });

  it('counts the link finder apart: fetched after the chat window mounts, never by the loader', () => {
    const chunk = readdirSync(dist('widget')).find((f) => /^chat-links-[A-Z0-9]+\.js$/.test(f))!;
    const size = gz(`widget/${chunk}`);
    console.info(`widget gzip: ${chunk} ${size} B (lazy, after chat.js)`);
    expect(readFileSync(dist('widget/parley.js'), 'utf8')).not.toContain('chat-links-');
    // The loader plus the chat window plus links stays well under what one competitor's loader weighs.
    expect(gz('widget/parley.js') + gz('widget/chat.js') + size).toBeLessThanOrEqual(36 * 1024);
  });

  it('ships only the button’s words in the loader: the window’s labels (every language) come with chat.js', () => {
    const loader = readFileSync(dist('widget/parley.js'), 'utf8');
    const chat = readFileSync(dist('widget/chat.js'), 'utf8');
    for (const words of ['Operator unavailable. Leave a message', 'Live Help']) expect(loader).toContain(words);
    // Polish is in the loader too (escaped or not).
    expect(loader).toMatch(/Konsultant niedost(ę|\\u0119)pny/);
    for (const words of ['Leave us a message', 'Please enter a valid e-mail address.', 'Type your message'])
      expect(loader).not.toContain(words);
    expect(chat).toContain('Leave us a message');
    expect(chat).toMatch(/Zostaw nam wiadomo(ś|\\u015B)(ć|\\u0107)/);
  });

  it('styles the shadow root in ways a strict Content-Security-Policy allows (constructed sheets, or a nonce)', () => {
    const loader = readFileSync(dist('widget/parley.js'), 'utf8');
    expect(loader).toContain('adoptedStyleSheets');
    expect(loader).toContain('replaceSync');
    expect(loader).toContain('data-nonce');
    // No style attributes written as markup (CSSOM property setting is what CSP permits).
    for (const f of ['widget/parley.js', 'widget/chat.js']) {
      expect(readFileSync(dist(f), 'utf8'), f).not.toMatch(/setAttribute\(\s*["']style["']/);
    }
  });

  it('loads the console bundle and stylesheet relative to index.html, with a source map', () => {
    const html = readFileSync(dist('console/index.html'), 'utf8');
    expect(html).toContain('src="./app.js"');
    expect(html).toContain('href="./app.css"');
    expect(statSync(dist('console/app.js.map')).size).toBeGreaterThan(0);
  });

  it('never injects HTML from widget/ or console-web/ sources', () => {
    const offenders: string[] = [];
    for (const f of [...sources('widget'), ...sources('console-web')]) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      if (/innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write/.test(text))
        offenders.push(f);
    }
    expect(offenders).toEqual([]);
  });

  it('hard-codes no host: endpoints come from the script URL (widget) or config.json (console)', () => {
    for (const f of ['widget/parley.js', 'widget/chat.js', 'console/app.js']) {
      const code = readFileSync(dist(f), 'utf8');
      expect(code, f).not.toMatch(/(?:https?|wss?):\/\/(?:localhost|127\.0\.0\.1)/);
    }
  });
});
