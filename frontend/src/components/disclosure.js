// Menus and panels that open from a button in the header (the user menu, the bell, the search's
// list, the phone's navigation): Escape closes them, so does a click elsewhere and a move to
// another page.
//
// useEscape is a layout effect: the listener is there as soon as what opened is on the screen, so
// an Escape pressed right away is not lost (a plain effect waits for the next frame, and under
// load a key can come first).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';

/** While `open`, the Escape key anywhere calls close. */
export function useEscape(open, close) {
  useLayoutEffect(() => {
    if (!open) return undefined;
    const onKey = (e) => e.key === 'Escape' && close();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
}

/** While `open`, a click outside the element of `root` calls close. */
export function useClickOutside(open, root, close) {
  useEffect(() => {
    if (!open) return undefined;
    const onClick = (e) => root.current.contains(e.target) || close();
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, [open]);
}

/**
 * A disclosure button and what it opens: {open, setOpen, root, button}. `root` goes on the element
 * holding both, `button` on the button, which gets the focus back when Escape closes it.
 */
export function useDisclosure() {
  const { url } = useLocation();
  const [open, setOpen] = useState(false);
  const root = useRef(null);
  const button = useRef(null);
  useEffect(() => setOpen(false), [url]);
  useEscape(open, () => {
    setOpen(false);
    button.current.focus();
  });
  useClickOutside(open, root, () => setOpen(false));
  return { open, setOpen, root, button };
}
