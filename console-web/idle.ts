/**
 * Auto-away (seed 003: when no operator "works at the computer for a longer time" the widget offers
 * a message instead): watches the console's keyboard, mouse and touch, and tells the store when
 * the operator has been idle for the site's `autoAwayMs` and when they are back.
 */
export interface IdleTarget {
  addEventListener(type: string, listener: () => void, options?: AddEventListenerOptions): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface IdleOptions {
  /** Idle this long → onIdle (read on every check, so a settings change applies at once); 0: never. */
  idleMs(): number;
  onIdle(): void;
  onActive(): void;
  now?: () => number;
  /** How often idleness is checked. @default 15 s */
  checkMs?: number;
}

const ACTIVITY = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'] as const;

export function watchIdle(target: IdleTarget, o: IdleOptions): () => void {
  const now = o.now ?? (() => Date.now());
  let last = now();
  let idle = false;
  const active = () => {
    last = now();
    if (idle) {
      idle = false;
      o.onActive();
    }
  };
  const check = () => {
    const limit = o.idleMs();
    if (!idle && limit > 0 && now() - last >= limit) {
      idle = true;
      o.onIdle();
    }
  };
  for (const type of ACTIVITY) target.addEventListener(type, active, { passive: true });
  const timer = setInterval(check, o.checkMs ?? 15_000);
  return () => {
    clearInterval(timer);
    for (const type of ACTIVITY) target.removeEventListener(type, active);
  };
}
