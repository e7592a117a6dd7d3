// While `open`, the Escape key anywhere calls close (menus and disclosures the keyboard can leave).
import { useEffect } from 'preact/hooks';

export function useEscape(open, close) {
  useEffect(() => {
    if (!open) return undefined;
    const onKey = (e) => e.key === 'Escape' && close();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
}
