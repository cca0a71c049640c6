import { useEffect, useState } from 'preact/hooks';
import type { ConsoleStore } from '../store.js';

/** Re-renders the component whenever the store changes. */
export function useStore(store: ConsoleStore): ConsoleStore['state'] {
  const [, setTick] = useState(0);
  useEffect(() => {
    const bump = () => setTick((n) => n + 1);
    const off = store.subscribe(bump);
    bump(); // catch up with changes made between the first render and this effect
    return off;
  }, [store]);
  return store.state;
}

/** The current time, ticking every `ms` (for waiting times and time on site). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
