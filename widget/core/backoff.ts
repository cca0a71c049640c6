/** Reconnect delay: exponential from 500 ms, capped at 15 s, with jitter (50–100 % of the step). */
export const BACKOFF_CAP_MS = 15_000;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_CAP_MS, 500 * 2 ** Math.max(0, attempt));
  return Math.round(step * (0.5 + random() * 0.5));
}
