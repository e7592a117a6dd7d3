// While `open`, the Escape key anywhere calls close (menus and disclosures the keyboard can leave).
// A layout effect: the listener is there as soon as what opened is on the screen, so an Escape
// pressed right away is not lost (a plain effect waits for the next frame, and under load a key
// can come first).
import { useLayoutEffect } from 'preact/hooks';

export function useEscape(open, close) {
  useLayoutEffect(() => {
    if (!open) return undefined;
    const onKey = (e) => e.key === 'Escape' && close();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
}
