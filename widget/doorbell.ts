/**
 * The invitation's door-bell, synthesised with Web Audio (no sound file to fetch): two bell tones,
 * "ding-dong", each a sine with a soft overtone and an exponential decay.
 *
 * Browsers may refuse sound before the visitor has interacted with the page (autoplay policies):
 * the context then stays suspended, and the invitation is shown silently instead.
 */

export type BellResult = 'played' | 'blocked' | 'unsupported';

type AudioContextCtor = new () => AudioContext;
let ctx: AudioContext | undefined;

function tone(ac: AudioContext, freq: number, at: number, length: number): void {
  const gain = ac.createGain();
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.28, at + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
  gain.connect(ac.destination);
  for (const [f, level] of [
    [freq, 1],
    [freq * 2.76, 0.18],
  ] as const) {
    const osc = ac.createOscillator();
    const g = ac.createGain();
    osc.type = 'sine';
    osc.frequency.value = f;
    g.gain.value = level;
    osc.connect(g).connect(gain);
    osc.start(at);
    osc.stop(at + length + 0.05);
  }
}

/** Rings once; resolves with what happened (never throws). */
export async function ringDoorbell(): Promise<BellResult> {
  const w = window as unknown as { AudioContext?: AudioContextCtor; webkitAudioContext?: AudioContextCtor };
  const AC = w.AudioContext || w.webkitAudioContext;
  if (!AC) return 'unsupported';
  try {
    ctx ||= new AC();
    // A new context starts suspended and may take a moment to run (longer on a busy machine);
    // where the browser wants a user gesture first, resume() never settles: then stay silent.
    if (ctx.state !== 'running') await Promise.race([ctx.resume(), new Promise((r) => setTimeout(r, 2500))]);
    if (ctx.state !== 'running') return 'blocked';
    const t = ctx.currentTime + 0.02;
    tone(ctx, 659.25, t, 0.9); // E5
    tone(ctx, 523.25, t + 0.42, 1.3); // C5
    return 'played';
  } catch {
    return 'unsupported';
  }
}
