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
