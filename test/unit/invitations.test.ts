import { describe, expect, it } from 'vitest';
import {
  awaitingAnswer,
  dueAt,
  INVITATION_ANSWER_MS,
  pickRule,
  ruleMatches,
  urlMatches,
} from '../../functions/core/invitations.js';
import type { VisitorRecord } from '../../functions/core/types.js';
import type { AutoInvitationRule } from '../../functions/protocol/index.js';

const rule = (extra: Partial<AutoInvitationRule> = {}): AutoInvitationRule => ({
  id: 'r1',
  enabled: true,
  priority: 1,
  delaySeconds: 30,
  scope: 'site',
  text: 'Hi, I am %name%',
  onlyWhenOperatorAvailable: true,
  ...extra,
});
const visitor = (extra: Partial<VisitorRecord> = {}): VisitorRecord => ({
  visitorId: 'V1',
  siteId: 'demo',
  firstSeen: 0,
  lastSeen: 0,
  visits: 1,
  pageViews: 3,
  url: 'https://shop.example/products/lamp',
  title: 'Lamp',
  visitStart: 1_000,
  pageSince: 5_000,
  connections: 1,
  lang: 'pl-PL',
  ...extra,
});

describe('automatic invitation rules', () => {
  it('matches URL patterns with * wildcards, case-insensitively, and nothing else as a pattern', () => {
    expect(urlMatches('https://shop.example/products/*', 'https://shop.example/products/lamp')).toBe(true);
    expect(urlMatches('https://shop.example/products/*', 'https://shop.example/pricing')).toBe(false);
    expect(urlMatches('*/PRICING', 'https://shop.example/pricing')).toBe(true);
    expect(urlMatches('https://shop.example/a.b', 'https://shop.example/aXb')).toBe(false);
    expect(urlMatches(undefined, 'anything')).toBe(true);
  });

  it('checks every condition: page, search, language, returning, page views, enabled', () => {
    expect(ruleMatches(rule(), visitor())).toBe(true);
    expect(ruleMatches(rule({ enabled: false }), visitor())).toBe(false);
    expect(ruleMatches(rule({ scope: 'page', urlPattern: '*/pricing' }), visitor())).toBe(false);
    expect(ruleMatches(rule({ fromSearch: true }), visitor())).toBe(false);
    expect(ruleMatches(rule({ fromSearch: true }), visitor({ searchEngine: 'Google' }))).toBe(true);
    expect(ruleMatches(rule({ searchEngines: ['bing'] }), visitor({ searchEngine: 'Google' }))).toBe(false);
    expect(ruleMatches(rule({ languages: ['pl'] }), visitor())).toBe(true);
    expect(ruleMatches(rule({ languages: ['en'] }), visitor())).toBe(false);
    expect(ruleMatches(rule({ returning: true }), visitor())).toBe(false);
    expect(ruleMatches(rule({ returning: true }), visitor({ visits: 2 }))).toBe(true);
    expect(ruleMatches(rule({ minPageViews: 4 }), visitor())).toBe(false);
  });

  it('is due its delay after the visit began (site) or the page was opened (page)', () => {
    expect(dueAt(rule({ delaySeconds: 30 }), visitor())).toBe(31_000);
    expect(dueAt(rule({ delaySeconds: 30, scope: 'page' }), visitor())).toBe(35_000);
  });

  it('picks the highest priority rule that matches', () => {
    const rules = [
      rule({ id: 'low', priority: 1 }),
      rule({ id: 'high-but-not-matching', priority: 9, languages: ['de'] }),
      rule({ id: 'high', priority: 5 }),
    ];
    expect(pickRule(rules, visitor())?.id).toBe('high');
    expect(pickRule([], visitor())).toBeUndefined();
  });

  it('counts an unanswered invitation as pending only within the answer window', () => {
    const inv = { inviteId: 'i', operatorName: 'A', text: 'hi', auto: false, at: 1_000, outcome: 'pending' as const };
    expect(awaitingAnswer(inv, 1_000 + INVITATION_ANSWER_MS - 1)).toBe(true);
    expect(awaitingAnswer(inv, 1_000 + INVITATION_ANSWER_MS)).toBe(false);
    expect(awaitingAnswer({ ...inv, outcome: 'declined' }, 1_001)).toBe(false);
    expect(awaitingAnswer(undefined, 1_001)).toBe(false);
  });
});
