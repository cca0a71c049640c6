/** Canned messages in the console's composer (console-web/canned.ts): variables and the /shortcut. */
import { describe, expect, it } from 'vitest';
import { expandShortcut, fillCanned, insertAt, shortcutAt, shortcutMatches } from '../../console-web/canned.js';
import type { CannedMessage } from '../../functions/protocol/events.js';

const canned: CannedMessage[] = [
  { id: '1', scope: 'shared', title: 'Greeting', text: "Hi %visitor%, I'm %name%. How can I help?", shortcut: 'hi' },
  { id: '2', scope: 'personal', title: 'Thanks', text: 'Thank you for chatting, %VISITOR%!', shortcut: 'thanks' },
  { id: '3', scope: 'shared', title: 'Hours', text: 'We are open 9–17.', shortcut: 'hours' },
  { id: '4', scope: 'personal', title: 'Hold on', text: 'One moment please.' },
];
const vars = { name: 'Dana Demo', visitor: 'Marta' };

describe('canned message variables', () => {
  it('puts the operator’s name for %name% and the visitor’s for %visitor%, in any case, every time', () => {
    expect(fillCanned("Hi %visitor%, I'm %name%. %Name% again, %VISITOR%.", vars)).toBe(
      "Hi Marta, I'm Dana Demo. Dana Demo again, Marta.",
    );
    expect(fillCanned('100% sure, %unknown% stays', vars)).toBe('100% sure, %unknown% stays');
  });

  it('does not read a name as a pattern', () => {
    expect(fillCanned('%name%', { name: '$& $1 %visitor%', visitor: 'Marta' })).toBe('$& $1 %visitor%');
  });
});

describe('the /shortcut in the composer', () => {
  it('finds the /word right before the caret, at the start or after a space', () => {
    expect(shortcutAt('/hi')).toEqual({ start: 0, query: 'hi' });
    expect(shortcutAt('Sure. /tha')).toEqual({ start: 6, query: 'tha' });
    expect(shortcutAt('Sure.\n/')).toEqual({ start: 6, query: '' });
    expect(shortcutAt('see http://x/hi')).toBeUndefined();
    expect(shortcutAt('/hi there')).toBeUndefined();
    expect(shortcutAt('/hi there', 3)).toEqual({ start: 0, query: 'hi' });
  });

  it('suggests the exact shortcut first, then those starting with it, then matching titles', () => {
    expect(shortcutMatches(canned, 'h').map((c) => c.id)).toEqual(['1', '3', '4']);
    expect(shortcutMatches(canned, 'hi').map((c) => c.id)).toEqual(['1']);
    expect(shortcutMatches(canned, '').map((c) => c.id)).toEqual(['1', '3', '2']);
    expect(shortcutMatches(canned, 'zzz')).toEqual([]);
  });

  it('replaces /shortcut with the filled message on Tab or Enter, leaving the rest of the draft', () => {
    expect(expandShortcut('/hi', 3, canned, vars)).toEqual({
      draft: "Hi Marta, I'm Dana Demo. How can I help?",
      caret: 40,
      used: canned[0],
    });
    const mid = expandShortcut('Sure! /thanks and bye', 13, canned, vars);
    expect(mid?.draft).toBe('Sure! Thank you for chatting, Marta! and bye');
    expect(mid?.caret).toBe('Sure! Thank you for chatting, Marta!'.length);
  });

  it('expands only a shortcut that exists, unless a suggestion was picked', () => {
    expect(expandShortcut('/h', 2, canned, vars)).toBeUndefined();
    expect(expandShortcut('/nope', 5, canned, vars)).toBeUndefined();
    expect(expandShortcut('no slash', 8, canned, vars)).toBeUndefined();
    expect(expandShortcut('/h', 2, canned, vars, canned[2])?.draft).toBe('We are open 9–17.');
  });

  it('inserts a picked message in place of the selection', () => {
    expect(insertAt('Hello  there', 6, 6, 'dear')).toEqual({ draft: 'Hello dear there', caret: 10 });
    expect(insertAt('Hello XXX there', 6, 9, 'you')).toEqual({ draft: 'Hello you there', caret: 9 });
  });
});
