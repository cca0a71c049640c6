/**
 * Invitations in the widget and the console, without a browser: the visitor's popup state and the
 * frames it sends, the console's invite request and its answer, %name% in the text, and the
 * automatic-invitation rule form (validation, priorities from the list order, round trips).
 */
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../console-web/grid.js';
import {
  describeRule,
  emptyRule,
  fillInvitation,
  fromRuleDraft,
  inviteBlocker,
  move,
  orderRules,
  rulesFromDrafts,
  toRuleDraft,
} from '../../console-web/invitations.js';
import { ConsoleStore } from '../../console-web/store.js';
import type { AutoInvitationRule, VisitorRow } from '../../functions/protocol/events.js';
import { autoInvitationRulesSchema } from '../../functions/protocol/schemas.js';
import { type ChatHostLike, INVITATION_KEPT_MS, VisitorChat } from '../../widget/chat-controller.js';
import type { OperatorFrame, VisitorFrame } from '../../widget/core/frames.js';
import { LABELS, pickLabels } from '../../widget/i18n.js';

function visitorHost() {
  const sent: (VisitorFrame & { reqId: string })[] = [];
  let shown = true;
  const host: ChatHostLike = {
    site: 'demo',
    labels: pickLabels('en'),
    connected: () => true,
    send(frame) {
      const reqId = String(sent.length + 1);
      sent.push({ ...frame, reqId });
      return reqId;
    },
    showButton(v) {
      shown = v;
    },
    setBadge() {},
  };
  const memory = { load: () => [], save: () => {} };
  return { ctl: new VisitorChat(host, memory), sent, buttonShown: () => shown };
}

const invitation = {
  type: 'invitation' as const,
  inviteId: 'i1',
  text: "Hi, I'm Dana",
  operatorName: 'Dana',
  auto: true,
};

describe('the widget invitation', () => {
  it('shows the invitation; Start Chat asks for a name, then answers with it and opens the window', () => {
    const { ctl, sent, buttonShown } = visitorHost();
    ctl.handle(invitation);
    expect(ctl.state.invitation).toMatchObject({
      inviteId: 'i1',
      text: "Hi, I'm Dana",
      operatorName: 'Dana',
      askName: false,
    });
    expect(ctl.state.visible).toBe(false);
    ctl.askInvitationName();
    expect(ctl.state.invitation?.askName).toBe(true);
    expect(sent).toHaveLength(0);
    ctl.acceptInvitation('  Nora ');
    expect(sent).toEqual([{ action: 'invite-response', inviteId: 'i1', accept: true, name: 'Nora', reqId: '1' }]);
    expect(ctl.state).toMatchObject({ invitation: undefined, visible: true, step: 'chat', requesting: true });
    expect(buttonShown()).toBe(false);
    // The server's answer is the new chat with the inviting operator.
    ctl.handle({
      type: 'chat-update',
      reqId: '1',
      chat: {
        chatId: 'c1',
        visitorId: 'v1',
        visitorName: 'Nora',
        status: 'active',
        operators: [{ id: 'o1', name: 'Dana' }],
        createdAt: 1,
        lastSeq: 0,
      },
    });
    expect(ctl.state).toMatchObject({ requesting: false, chat: { chatId: 'c1', status: 'active' } });
  });

  it('sends no name when none is given', () => {
    const { ctl, sent } = visitorHost();
    ctl.handle(invitation);
    ctl.acceptInvitation('   ');
    expect(sent[0]).toEqual({ action: 'invite-response', inviteId: 'i1', accept: true, reqId: '1' });
  });

  it('closing records a decline and hides the popup; the window stays closed', () => {
    const { ctl, sent } = visitorHost();
    ctl.handle(invitation);
    ctl.declineInvitation();
    expect(sent).toEqual([{ action: 'invite-response', inviteId: 'i1', accept: false, reqId: '1' }]);
    expect(ctl.state.invitation).toBeUndefined();
    expect(ctl.state.visible).toBe(false);
  });

  it('an invitation the server no longer knows puts the visitor back at the start, with a notice', () => {
    const { ctl } = visitorHost();
    ctl.handle(invitation);
    ctl.acceptInvitation('');
    ctl.handle({ type: 'error', code: 'not-found', message: 'no such invitation', reqId: '1' });
    expect(ctl.state).toMatchObject({ step: 'prechat', requesting: false });
    expect(ctl.state.notice?.text).toBeTruthy();
  });

  it('ignores an invitation while a chat is open', () => {
    const { ctl } = visitorHost();
    ctl.start('Nora');
    ctl.handle(invitation);
    expect(ctl.state.invitation).toBeUndefined();
  });

  it('keeps an unanswered invitation for the next page of the tab, for ten minutes, and forgets an answered one', () => {
    const data = new Map<string, string>();
    vi.stubGlobal('sessionStorage', {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => data.set(k, v),
      removeItem: (k: string) => data.delete(k),
    });
    try {
      const first = visitorHost();
      first.ctl.handle(invitation);
      // The next page: shown again, marked as brought along (it does not ring twice).
      const next = visitorHost();
      expect(next.ctl.state.invitation).toMatchObject({ inviteId: 'i1', text: "Hi, I'm Dana", restored: true });
      next.ctl.declineInvitation();
      expect(visitorHost().ctl.state.invitation).toBeUndefined();
      // Too old: not shown.
      first.ctl.handle({ ...invitation, inviteId: 'i2' });
      const kept = JSON.parse(data.get('parley:invite:demo')!);
      data.set('parley:invite:demo', JSON.stringify({ ...kept, at: Date.now() - INVITATION_KEPT_MS - 1 }));
      expect(visitorHost().ctl.state.invitation).toBeUndefined();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('has every label in English and Polish', () => {
    expect(Object.keys(LABELS).sort()).toEqual(['en', 'pl']);
    expect(pickLabels('pl-PL').invitationStart).toBe('Rozpocznij czat');
    expect(Object.keys(LABELS.pl!).sort()).toEqual(Object.keys(LABELS.en!).sort());
  });
});

const row = (over: Partial<VisitorRow> = {}): VisitorRow =>
  ({
    visitorId: 'v1',
    presence: 'browsing',
    connections: 1,
    status: 'no-activity',
    returning: false,
    visits: 1,
    pageViews: 1,
    url: 'https://shop.example/',
    title: 'Shop',
    firstSeen: 1,
    lastSeen: 1,
    visitStart: 1,
    pageSince: 1,
    notes: 0,
    ...over,
  }) as VisitorRow;

describe('the console invitation', () => {
  it('fills %name% in any case, as the server does', () => {
    expect(fillInvitation("Hello! I'm %name%. %NAME% here.", 'Dana')).toBe("Hello! I'm Dana. Dana here.");
    expect(fillInvitation('No variables', 'Dana')).toBe('No variables');
  });

  it('offers Invite only to a visitor on the site, not chatting, not Unwelcome', () => {
    expect(inviteBlocker(row(), false)).toBeUndefined();
    expect(inviteBlocker(row(), true)).toMatch(/left/);
    expect(inviteBlocker(row({ connections: 0 }), false)).toMatch(/left/);
    expect(inviteBlocker(row({ tag: 'unwelcome' }), false)).toMatch(/Unwelcome/);
    expect(inviteBlocker(row({ chatId: 'c1', chatStatus: 'active' }), false)).toMatch(/chat/);
    expect(inviteBlocker(row({ chatId: 'c1', chatStatus: 'ended' }), false)).toBeUndefined();
  });

  it('sends invite and resolves with the ack, or with the server’s reason', async () => {
    const sent: (OperatorFrame & { reqId: string })[] = [];
    const store = new ConsoleStore({
      send(frame) {
        sent.push({ ...frame, reqId: `r${sent.length + 1}` });
        return `r${sent.length}`;
      },
      ring() {},
    });
    const ok = store.invite('v1', '  Can I help?  ');
    expect(sent[0]).toEqual({ action: 'invite', visitorId: 'v1', text: 'Can I help?', reqId: 'r1' });
    store.handle({ type: 'ack', action: 'invite', reqId: 'r1' });
    expect(await ok).toEqual({ ok: true });

    const refused = store.invite('v1', '');
    expect(sent[1]).toEqual({ action: 'invite', visitorId: 'v1', reqId: 'r2' });
    store.handle({ type: 'error', code: 'conflict', message: 'the visitor has left', reqId: 'r2' });
    expect(await refused).toEqual({ ok: false, code: 'conflict', message: 'the visitor has left' });
    // Shown in the dialog, not as a toast as well.
    expect(store.state.toasts).toHaveLength(0);

    const dropped = store.invite('v1', 'Hi');
    store.setConnection('closed');
    expect((await dropped).ok).toBe(false);
  });

  it('cannot invite while disconnected', async () => {
    const store = new ConsoleStore({ send: () => undefined, ring() {} });
    expect((await store.invite('v1', 'Hi')).ok).toBe(false);
  });
});

describe('the automatic-invitation rule form', () => {
  const page: AutoInvitationRule = {
    id: 'r-page',
    enabled: true,
    priority: 5,
    delaySeconds: 3,
    scope: 'page',
    urlPattern: 'https://shop.example/products/*',
    fromSearch: true,
    searchEngines: ['Google', 'Bing'],
    languages: ['en', 'pl'],
    returning: true,
    minPageViews: 2,
    text: 'Hi, %name% here',
    onlyWhenOperatorAvailable: false,
  };

  it('round-trips every field of a rule, and the result passes the server’s schema', () => {
    const back = fromRuleDraft(toRuleDraft(page), 5);
    expect(back.rule).toEqual(page);
    const site = fromRuleDraft(emptyRule('r-site'), 1).rule!;
    expect(site).toEqual({
      id: 'r-site',
      enabled: true,
      priority: 1,
      delaySeconds: 30,
      scope: 'site',
      text: expect.stringContaining('%name%'),
      onlyWhenOperatorAvailable: true,
    });
    expect(autoInvitationRulesSchema.safeParse([page, site]).success).toBe(true);
  });

  it('explains each wrong field', () => {
    const d = {
      ...emptyRule('x'),
      scope: 'page' as const,
      delaySeconds: '-1',
      search: 'engines' as const,
      languages: 'english!',
      minPageViews: 'many',
      text: '  ',
    };
    const r = fromRuleDraft(d, 1);
    expect(Object.keys(r.errors ?? {}).sort()).toEqual(
      ['delaySeconds', 'languages', 'minPageViews', 'searchEngines', 'text', 'urlPattern'].sort(),
    );
    expect(fromRuleDraft({ ...emptyRule('y'), delaySeconds: '86401' }, 1).errors?.delaySeconds).toBeTruthy();
  });

  it('gives the top of the list the highest priority, and lists rules by priority', () => {
    const drafts = [emptyRule('a'), emptyRule('b'), emptyRule('c')];
    const saved = rulesFromDrafts(move(drafts, 2, -1)).rules!;
    expect(saved.map((r) => [r.id, r.priority])).toEqual([
      ['a', 3],
      ['c', 2],
      ['b', 1],
    ]);
    expect(orderRules([...saved].reverse()).map((r) => r.id)).toEqual(['a', 'c', 'b']);
    expect(move(drafts, 0, -1).map((d) => d.id)).toEqual(['a', 'b', 'c']);
    const bad = rulesFromDrafts([emptyRule('a'), { ...emptyRule('b'), text: '' }]);
    expect(Object.keys(bad.errors ?? {})).toEqual(['b']);
  });

  it('describes a rule in words', () => {
    expect(describeRule(toRuleDraft(page))).toBe(
      'After 3 s on https://shop.example/products/*, from Google or Bing, en/pl, returning visitors, ≥ 2 page views',
    );
    expect(describeRule(emptyRule())).toBe('After 30 s on the site, when an operator is available');
  });

  it('keeps the default invitation setting', () => {
    expect(DEFAULT_SETTINGS.invitationText).toContain('%name%');
  });
});
