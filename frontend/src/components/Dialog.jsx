// Modal dialogs on the native <dialog> element: it traps focus, closes with Escape and gives
// focus back to what opened it.
import { useEffect, useId, useRef } from 'preact/hooks';
import { ProblemAlert } from './forms.jsx';

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
 * "Are you sure?": runs action.run() on confirm (a useAction), shows its problem, closes when
 * done. The confirm button looks dangerous unless `danger` is false.
 */
export function ConfirmDialog({ title, children, confirm, action, onClose, danger = true }) {
  async function onConfirm() {
    if ((await action.run()) !== undefined) onClose();
  }
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      <ProblemAlert problem={action.problem} />
      <div class="actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="button" class={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={action.busy}>{confirm}</button>
      </div>
    </Dialog>
  );
}
