/**
 * A short "ding-dong" door-bell made with Web Audio oscillators (no audio asset).
 * Browsers only let audio start after a user gesture: `unlockAudio` is called on the first
 * click/keypress (signing in is one), after which the bell can ring on its own.
 */
type AudioCtor = typeof AudioContext;
let ctx: AudioContext | undefined;

function context(): AudioContext | undefined {
  if (ctx) return ctx;
  const Ctor: AudioCtor | undefined =
    globalThis.AudioContext || (globalThis as unknown as { webkitAudioContext?: AudioCtor }).webkitAudioContext;
  if (!Ctor) return undefined;
  try {
    ctx = new Ctor();
  } catch {
    return undefined;
  }
  return ctx;
}

export function unlockAudio(): void {
  const c = context();
  if (c && c.state === 'suspended') void c.resume().catch(() => {});
}

function tone(c: AudioContext, freq: number, start: number, length: number): void {
  const osc = c.createOscillator();
  const overtone = c.createOscillator();
  const gain = c.createGain();
  osc.type = 'sine';
  overtone.type = 'sine';
  osc.frequency.value = freq;
  overtone.frequency.value = freq * 2.01;
  const over = c.createGain();
  over.gain.value = 0.18;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.32, start + 0.015);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain);
  overtone.connect(over).connect(gain);
  gain.connect(c.destination);
  osc.start(start);
  overtone.start(start);
  osc.stop(start + length + 0.05);
  overtone.stop(start + length + 0.05);
}

/** Rings the door-bell: E5 then C5. Silently does nothing where audio is unavailable. */
export function doorbell(): void {
  const c = context();
  if (!c) return;
  try {
    if (c.state === 'suspended') void c.resume().catch(() => {});
    const t = c.currentTime + 0.02;
    tone(c, 659.25, t, 0.6);
    tone(c, 523.25, t + 0.42, 0.9);
  } catch {
    /* audio refused: the badge in the title still tells */
  }
}

/**
 * The new-visitor chime: two short, soft, rising plucks (G5 → D6), quieter and quicker than the
 * door-bell so the two are never confused.
 */
let lastChime = 0;
export function chime(): void {
  const c = context();
  // Before the first click audio is locked; on a busy site, one chime per couple of seconds is plenty.
  if (c?.state !== 'running' || performance.now() - lastChime < 2000) return;
  lastChime = performance.now();
  try {
    const t = c.currentTime + 0.01;
    for (const [freq, at] of [
      [783.99, 0],
      [1174.66, 0.09],
    ] as const) {
      const osc = c.createOscillator();
      const gain = c.createGain();
      osc.type = 'triangle';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t + at);
      gain.gain.exponentialRampToValueAtTime(0.12, t + at + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.22);
      osc.connect(gain).connect(c.destination);
      osc.start(t + at);
      osc.stop(t + at + 0.25);
    }
  } catch {
    /* audio refused: the highlighted row still tells */
  }
}
