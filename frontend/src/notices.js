// The inbox changed (a notice marked read, every one marked read): one signal, so the header's
// bell, Home and the resources area's count agree without asking the server each on its own
// schedule.
import { useEffect } from 'preact/hooks';

const bus = new EventTarget();

/** Say that the caller's notices changed. */
export function noticesChanged() {
  bus.dispatchEvent(new Event('changed'));
}

/** Call fn (a stable function: useApi's reload) whenever the notices change. */
export function useNoticesChanged(fn) {
  useEffect(() => {
    bus.addEventListener('changed', fn);
    return () => bus.removeEventListener('changed', fn);
  }, [fn]);
}
