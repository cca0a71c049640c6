/**
 * Escape closes the top-most open layer (a dropdown over a modal over the visitor panel), and only
 * that one, whatever order the layers' components rendered in.
 *
 * Why one listener and a stack rather than a `document` listener per layer: Preact runs a
 * component's pending effects synchronously when it re-renders before the next paint, and a
 * store change made by one Escape listener re-renders the tree in the microtask checkpoint between
 * two listeners of the same event. A layer that re-registered its listener there was removed
 * before being called and added too late to be, so that Escape was lost (an open dialog that Esc
 * would not close). Here the listener is added once and each layer's close is read when it runs.
 */
import { useEffect, useRef } from 'preact/hooks';

type Layer = { close: () => void };
const layers: Layer[] = [];
let listening = false;

function onKeyDown(e: KeyboardEvent): void {
  // A field that uses Esc itself (search, message box) marks the event handled first.
  if (e.key !== 'Escape' || e.defaultPrevented) return;
  const top = layers[layers.length - 1];
  if (!top) return;
  e.preventDefault();
  top.close();
}

/** While `open`, this layer is on the stack, newest on top; Esc calls the latest `close` of the top one. */
export function useEscapeLayer(open: boolean, close: () => void): void {
  const latest = useRef(close);
  latest.current = close;
  useEffect(() => {
    if (!open) return;
    const layer: Layer = { close: () => latest.current() };
    layers.push(layer);
    if (!listening) {
      document.addEventListener('keydown', onKeyDown);
      listening = true;
    }
    return () => {
      const at = layers.indexOf(layer);
      if (at >= 0) layers.splice(at, 1);
    };
  }, [open]);
}
