// What went wrong, next to the action that failed: the one way the portal shows a problem. A
// heading in words (problems.js), then the detail as a sentence. Field errors appear at their
// fields (`fields` lists the ones the form shows): the alert then says to check the marked
// fields and focus moves to the first of them; those of fields the form does not show are listed
// here. `heading` and `detail` put words of the page's own in place of the problem's (a conflict
// the page explains, say); `children` follow (a link out of it, a list of findings); `focus`
// moves focus to the alert itself when it appears.
import { useEffect, useRef } from 'preact/hooks';
import { sentence } from '../format.js';
import { fieldText, problemDetail, problemHeading } from '../problems.js';

export function ProblemAlert({ problem, fields = [], heading, detail, focus = false, children }) {
  const root = useRef(null);
  const errors = Object.entries(problem?.fieldErrors ?? {});
  const marked = errors.filter(([f]) => fields.includes(f));
  const others = errors.filter(([f]) => !fields.includes(f));

  useEffect(() => {
    const alert = root.current;
    if (!problem || !alert) return;
    const field = marked.length > 0 ? alert.closest('form, dialog, section, main')?.querySelector('[aria-invalid="true"]') : null;
    if (field) field.focus();
    else if (focus) alert.focus();
  }, [problem]);

  if (!problem) return null;
  let text = detail !== undefined ? detail : problemDetail(problem);
  if (detail === undefined && errors.length > 0) {
    if (others.length === 0) text = marked.length === 1 ? 'Check the marked field.' : 'Check the marked fields.';
    else text = marked.length > 0 ? 'Check the marked fields, and these:' : 'Check these:';
  }
  return (
    <div class="problem" role="alert" ref={root} tabIndex={focus ? -1 : undefined}>
      <p>
        <strong>{heading ?? problemHeading(problem)}</strong>
        {text && <> — {text}</>}
      </p>
      {others.length > 0 && (
        <ul>
          {others.map(([f, m]) => <li key={f}>{fieldText(f)}: {sentence(m)}</li>)}
        </ul>
      )}
      {children}
    </div>
  );
}
