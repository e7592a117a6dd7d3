// A secret's value being typed: a textarea whose text is masked until "Show value", with its size
// against the API's limit (64 KiB of UTF-8). A value too large is marked here before it is sent;
// the server's message for the field appears the same way.
import { useId, useState } from 'preact/hooks';
import { sentence } from '../../format.js';
import { VALUE_MAX_BYTES, byteLength } from './paths.js';

/** The message for a value too large, or '' (the form refuses to send it). */
export function valueTooLarge(text) {
  const bytes = byteLength(text);
  return bytes > VALUE_MAX_BYTES ? `is ${bytes.toLocaleString('en')} bytes: a value is at most ${VALUE_MAX_BYTES.toLocaleString('en')}` : '';
}

export function ValueField({ label, name = 'value', value, onInput, problem, hint, areaRef, required = true }) {
  const id = useId();
  const [shown, setShown] = useState(false);
  const error = valueTooLarge(value) || problem?.fieldErrors?.[name] || problem?.fieldErrors?.value_base64;
  const describedBy = [`${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div class="field">
      <div class="value-label">
        <label for={id}>{label}</label>
        <button type="button" class="link" aria-controls={id} onClick={() => setShown(!shown)}>
          {shown ? 'Hide value' : 'Show value'}
        </button>
      </div>
      <textarea id={id} ref={areaRef} name={name} class={shown ? 'code secret-input' : 'code secret-input masked'} rows={5}
                spellcheck={false} autocomplete="off" autocapitalize="off" required={required} value={value}
                onInput={onInput} aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy} />
      <p class="hint" id={`${id}-hint`}>
        {hint && `${hint} `}
        {shown ? 'The value is shown as you type.' : 'The value is masked as you type.'}{' '}
        {byteLength(value).toLocaleString('en')} of {VALUE_MAX_BYTES.toLocaleString('en')} bytes.
      </p>
      {error && <p class="field-error" id={`${id}-error`}>{sentence(error)}</p>}
    </div>
  );
}
