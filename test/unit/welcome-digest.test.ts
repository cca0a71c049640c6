import { describe, expect, it } from 'vitest';
import { welcomeDigest } from '../../functions/protocol/welcome-digest.js';

const base = {
  operatorsOnline: 2,
  widget: { color: '#123456', buttonText: 'Ask', lang: 'pl', corner: 'right' },
  chatBlocked: false,
};

describe('the welcome digest (pv.known)', () => {
  it('is the same for the same welcome however its keys were ordered, and survives a JSON round trip', () => {
    const reordered = {
      chatBlocked: false,
      widget: { lang: 'pl', corner: 'right', buttonText: 'Ask', color: '#123456', unset: undefined },
      operatorsOnline: 2,
    };
    expect(welcomeDigest(reordered)).toBe(welcomeDigest(base));
    expect(welcomeDigest(JSON.parse(JSON.stringify(base)))).toBe(welcomeDigest(base));
    expect(welcomeDigest({ ...base, departments: [] })).toBe(welcomeDigest(base));
    expect(welcomeDigest(base)).toMatch(/^[0-9a-z]{1,7}$/);
  });

  it('changes with availability, appearance, blocking and departments', () => {
    const d = welcomeDigest(base);
    for (const other of [
      { ...base, operatorsOnline: 0 },
      { ...base, widget: { ...base.widget, color: '#123457' } },
      { ...base, chatBlocked: true },
      { ...base, departments: ['Sales', 'Support'] },
    ])
      expect(welcomeDigest(other)).not.toBe(d);
  });
});
