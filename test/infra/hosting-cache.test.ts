/**
 * How long browsers keep each widget file (lib/hosting.ts, WIDGET_CACHE_CONTROL): the hosting
 * construct alone, synthesized over a stand-in `dist/` so the widget deployments exist whether or
 * not `npm run build` has run (the whole-stack tests skip them without a build).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyAuth } from '../../lib/auth.js';
import { classifyWidgetFiles, ParleyHosting, WIDGET_CACHE_CONTROL } from '../../lib/hosting.js';
import { ASSUMPTIONS } from '../bench/prices.js';

// biome-ignore lint/suspicious/noExplicitAny: the synthesized CloudFormation JSON is walked dynamically
type Json = Record<string, any>;

const WIDGET_FILES = ['parley.js', 'chat.js', 'chat-links-VTM5PSNU.js'];
let dist: string;
let deployments: Map<string, Json>;

function maxAgeOf(cacheControl: string): number {
  return Number(/max-age=(\d+)/.exec(cacheControl)?.[1]);
}

beforeAll(() => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-dist-'));
  fs.mkdirSync(path.join(dist, 'widget'));
  for (const f of WIDGET_FILES) fs.writeFileSync(path.join(dist, 'widget', f), '// built');
  const stack = new Stack(new App(), 'HostingCache', { env: { account: '111111111111', region: 'us-east-1' } });
  new ParleyHosting(stack, 'Hosting', {
    realtimeDomainName: 'ws.execute-api.us-east-1.amazonaws.com',
    httpApiDomainName: 'http.execute-api.us-east-1.amazonaws.com',
    auth: new ParleyAuth(stack, 'Auth'),
    siteId: 'demo',
    distDir: dist,
  });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Json>;
  deployments = new Map(
    Object.entries(resources).filter(
      ([, r]) => r.Type === 'Custom::CDKBucketDeployment' && r.Properties.DestinationBucketKeyPrefix === 'widget/',
    ),
  );
});

afterAll(() => fs.rmSync(dist, { recursive: true, force: true }));

/** The widget deployment that syncs `file`, by the sync filters (exclude, then include). */
function deploymentOf(file: string): [string, Json] {
  const found = [...deployments].filter(([, d]) => {
    const include = (d.Properties.Include ?? []) as string[];
    const exclude = (d.Properties.Exclude ?? []) as string[];
    return include.includes(file) || (!exclude.includes('*') && !exclude.includes(file));
  });
  expect(found, file).toHaveLength(1);
  return found[0]!;
}

const cacheControlOf = (file: string) => deploymentOf(file)[1].Properties.SystemMetadata['cache-control'] as string;

describe('widget caching', () => {
  it('sorts the built files: the loader, content-hashed chunks, and the rest (chat.js is not hashed)', () => {
    expect(classifyWidgetFiles([...WIDGET_FILES, 'chat.js.map'])).toEqual({
      loader: ['parley.js'],
      hashed: ['chat-links-VTM5PSNU.js'],
      other: ['chat.js'],
    });
  });

  it('lets a browser keep the loader for a visit (an hour), then revalidate in the background', () => {
    expect(cacheControlOf('parley.js')).toBe(WIDGET_CACHE_CONTROL.loader);
    expect(WIDGET_CACHE_CONTROL.loader).toMatch(/^public, max-age=3600, stale-while-revalidate=\d+$/);
    // The benchmark prices one loader fetch per visit: the cache must outlive a visit's pages.
    expect(maxAgeOf(WIDGET_CACHE_CONTROL.loader)).toBeGreaterThanOrEqual(ASSUMPTIONS.visitMinutes * 60);
    expect(deploymentOf('parley.js')[1].Properties.DistributionPaths).toEqual(['/widget/parley.js']);
  });

  it('caches content-hashed chunks for a year as immutable, without invalidating them', () => {
    const [, d] = deploymentOf('chat-links-VTM5PSNU.js');
    expect(d.Properties.SystemMetadata['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(d.Properties.DistributionPaths).toBeUndefined();
  });

  it('keeps chat.js, a fixed name, at the short cache, and invalidates the widget at the edge', () => {
    expect(cacheControlOf('chat.js')).toBe('public, max-age=300');
    expect(deploymentOf('chat.js')[1].Properties.DistributionPaths).toEqual(['/widget/*']);
  });

  it('never prunes (cached loaders still name older files) and deploys the loader last', () => {
    for (const [id, d] of deployments) expect(d.Properties.Prune, id).toBe(false);
    const [loaderId, loader] = deploymentOf('parley.js');
    const [chatId, chat] = deploymentOf('chat.js');
    const [hashedId] = deploymentOf('chat-links-VTM5PSNU.js');
    expect(loader.DependsOn, loaderId).toContain(chatId);
    expect(chat.DependsOn, chatId).toContain(hashedId);
  });
});
