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
    expect(gz('widget/parley.js')).toBeLessThanOrEqual(6 * 1024);
    expect(gz('widget/chat.js')).toBeLessThanOrEqual(20 * 1024);
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
