// Modal dialogs on the native <dialog> element: it traps focus, closes with Escape and gives
// focus back to what opened it.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { useAction } from '../hooks.js';
import { ProblemAlert } from './Problem.jsx';

/** A modal dialog, open while it is rendered; onClose runs when it is dismissed (Escape too). */
export function Dialog({ title, onClose, children }) {
  const ref = useRef(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    dialog.showModal();
    return () => dialog.open && dialog.close();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby={id} onClose={onClose}>
      <h2 id={id}>{title}</h2>
      {children}
    </dialog>
  );
}

/**
 * A change that asks first: ask(subject) opens the question about subject, confirming runs
 * fn(subject); {subject, action, ask, close} goes to ConfirmDialog as `confirmation`.
 */
export function useConfirmation(fn) {
  const [subject, setSubject] = useState(null);
  const action = useAction(() => fn(subject));
  return {
    subject,
    action,
    ask(s) {
      action.clear();
      setSubject(s);
    },
    close: () => setSubject(null),
  };
}

/**
 * "Are you sure?" for a useConfirmation: shows the action's problem, closes once it is done.
 * The confirm button looks dangerous unless `danger` is false.
 */
export function ConfirmDialog({ confirmation, title, confirm, danger = true, children }) {
  const { action, close } = confirmation;
  async function onConfirm() {
    if ((await action.run()) !== undefined) close();
  }
  return (
    <Dialog title={title} onClose={close}>
      {children}
      <ProblemAlert problem={action.problem} />
      <div class="actions">
        <button type="button" onClick={close}>Cancel</button>
        <button type="button" class={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={action.busy}>{confirm}</button>
      </div>
    </Dialog>
  );
}
