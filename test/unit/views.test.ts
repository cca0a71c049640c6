import { describe, expect, it } from 'vitest';
import type { VisitorRecord } from '../../functions/core/types.js';
import { visitorRow } from '../../functions/core/views.js';

const visitor: VisitorRecord = {
  visitorId: 'V1',
  siteId: 'demo',
  firstSeen: 0,
  lastSeen: 0,
  visits: 1,
  pageViews: 1,
  url: 'https://shop.example/',
  title: 'Shop',
  visitStart: 0,
  pageSince: 0,
  connections: 1,
  // Stored before the site switched truncation on.
  ip: '203.0.113.77',
  hostname: 'host-77.example.net',
  hostIp: '203.0.113.77',
};

describe('visitor rows', () => {
  it('show the stored address and hostname while truncation is off', () => {
    const row = visitorRow(visitor, undefined, { now: 1, graceMs: 0 });
    expect(row.ip).toBe('203.0.113.77');
    expect(row.hostname).toBe('host-77.example.net');
  });

  it('truncate an address stored before truncation was switched on, and hide its hostname', () => {
    const row = visitorRow(visitor, undefined, { now: 1, graceMs: 0, truncateIp: true });
    expect(row.ip).toBe('203.0.113.0');
    expect(row.hostname).toBeUndefined();
  });
});
