// Form pieces: labelled fields that show the server's message for them, checkbox groups, and
// the message for a successful action (a failed one: Problem.jsx's ProblemAlert).
import { useId } from 'preact/hooks';
import { sentence } from '../format.js';

/** The names the API accepts: of users and teams; of custom roles and policies. */
export const NAME_PATTERN = '[a-z0-9][a-z0-9._\\-]*';
export const RULE_NAME_PATTERN = '[a-z][a-z0-9\\-]*';

/** The submitted form's values: {name: value}, and lists for names given in `lists`. */
export function formValues(event, lists = []) {
  const data = new FormData(event.currentTarget);
  const values = Object.fromEntries(data.entries());
  for (const name of lists) values[name] = data.getAll(name);
  return values;
}

/**
 * A labelled input (or a select when `options` is given: [[value, label], ...] or [value, ...]).
 * `problem` is the last Problem of the form: its message for `name` appears under the field.
 */
export function Field({ label, name, problem, hint, options, ...props }) {
  const id = useId();
  const error = problem?.fieldErrors?.[name];
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  const common = { id, name, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': describedBy, ...props };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {options ? (
        <select {...common}>
          {options.map((o) => {
            const [value, text] = Array.isArray(o) ? o : [o, o];
            return <option key={value} value={value}>{text}</option>;
          })}
        </select>
      ) : (
        <input {...common} />
      )}
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p class="field-error" id={`${id}-error`}>{sentence(error)}</p>}
    </div>
  );
}

/** A group of checkboxes sharing one name (submitted as a list). */
export function Choices({ legend, name, choices, problem, hint }) {
  const id = useId();
  const error = problem?.fieldErrors?.[name];
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset aria-describedby={describedBy}>
      <legend>{legend}</legend>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      <div class="choice-list">
        {choices.map((c) => (
          <label key={c} class="choice">
            <input type="checkbox" name={name} value={c} /> {c}
          </label>
        ))}
      </div>
      {error && <p class="field-error" id={`${id}-error`}>{sentence(error)}</p>}
    </fieldset>
  );
}

/** A short confirmation that an action worked. */
export function Done({ children }) {
  return children ? <p class="done" role="status">{children}</p> : null;
}
