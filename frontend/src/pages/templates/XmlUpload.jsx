// A template's XML, pasted or loaded from a file and sent as it is (POST /templates,
// application/xml): a new template, or a new draft version of one. The API's refusals appear
// under the text at their place: malformed XML at its line and column ("XML line 3, column 7:
// ..."), a schema or check error at the element it names and its line ("line 12: ...").
import { useId, useRef, useState } from 'preact/hooks';
import { useAction } from '../../hooks.js';
import { ProblemAlert } from '../../components/Problem.jsx';
import { sentence } from '../../format.js';
import { findingText, send } from '../provision/shared.js';

const XML_MAX = 256 * 1024;

// Where the problem is in the text: {syntax: {line, column, message}} or {fields: [{field, line, message}]}.
function placesOf(problem) {
  if (!problem) return null;
  const at = /line (\d+)(?:, column (\d+))?/.exec(problem.detail ?? '');
  if (problem.status === 400 && at) return { syntax: { line: Number(at[1]), column: Number(at[2] ?? 0), message: problem.detail } };
  if (!problem.errors?.length) return null;
  return {
    fields: problem.errors.map((e) => {
      const m = /^line (\d+):\s*(.*)$/s.exec(e.message ?? '');
      return { field: e.field, line: m ? Number(m[1]) : null, message: m ? m[2] : e.message };
    }),
  };
}

/** The form: `initial` text, `submitLabel`, and onDone(answer) after the API took it. */
export function XmlUpload({ label, initial = '', submitLabel, hint, onDone }) {
  const id = useId();
  const area = useRef(null);
  const [text, setText] = useState(initial);
  const [loaded, setLoaded] = useState('');
  const upload = useAction(async (xml) => send('/templates', { body: xml, type: 'application/xml' }));
  const places = placesOf(upload.problem);
  const tooLarge = new TextEncoder().encode(text).length > XML_MAX;

  async function onFile(e) {
    const file = e.currentTarget.files[0];
    if (!file) return;
    setText(await file.text());
    setLoaded(`Loaded ${file.name} (${file.size.toLocaleString('en')} bytes).`);
    upload.clear();
  }

  function goTo(line) {
    const el = area.current;
    const lines = el.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    el.scrollTop = Math.max(0, (line - 3) * (el.scrollHeight / Math.max(lines.length, 1)));
  }

  async function onSubmit(e) {
    e.preventDefault();
    if (tooLarge) return;
    const answer = await upload.run(text);
    if (answer) onDone(answer);
  }

  const errorId = places ? `${id}-error` : '';
  return (
    <form class="import-form" onSubmit={onSubmit}>
      <div class="field">
        <label for={`${id}-file`}>Load a file</label>
        <input id={`${id}-file`} type="file" accept=".xml,application/xml,text/xml" onChange={onFile} />
        <p class="done" role="status">{loaded}</p>
      </div>
      <div class="field">
        <label for={`${id}-text`}>{label}</label>
        <textarea id={`${id}-text`} ref={area} class="code" rows={18} wrap="off" spellcheck={false} autocomplete="off"
                  value={text} onInput={(e) => setText(e.currentTarget.value)} required
                  aria-invalid={places || tooLarge ? 'true' : undefined} aria-describedby={`${id}-hint ${errorId}`.trim()} />
        <p class="hint" id={`${id}-hint`}>{hint} At most 256 KiB.</p>
        {tooLarge && <p class="field-error">The XML is larger than 256 KiB.</p>}
        {places?.syntax && (
          <div class="import-error" id={errorId}>
            <p class="field-error">The text is not well-formed XML: {sentence(places.syntax.message)}</p>
            <pre class="source" aria-hidden="true">{sourceLine(text, places.syntax.line, places.syntax.column)}</pre>
            <button type="button" onClick={() => goTo(places.syntax.line)}>Go to line {places.syntax.line}</button>
          </div>
        )}
        {places?.fields && (
          <div class="import-error" id={errorId}>
            <p class="field-error">The template is not valid:</p>
            <ul>
              {places.fields.map((f, i) => (
                <li key={i}>
                  <code>{f.field}</code>{f.line && <> (line {f.line})</>}: {sentence(f.message)}
                  {f.line && <> <button type="button" class="link" onClick={() => goTo(f.line)}>Go to line {f.line}</button></>}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <ProblemAlert problem={upload.problem} fields={places ? Object.keys(upload.problem.fieldErrors) : []}
                    detail={places ? 'See the errors marked under the text.' : undefined} />
      {upload.problem?.raw?.findings && <Findings findings={upload.problem.raw.findings} />}
      <button type="submit" class="primary" disabled={upload.busy || tooLarge}>{submitLabel}</button>
    </form>
  );
}

function sourceLine(text, line, column) {
  const source = text.split('\n')[line - 1] ?? '';
  const gutter = ' '.repeat(String(line).length);
  return `${line} | ${source}${column > 0 ? `\n${gutter} | ${' '.repeat(column - 1)}^` : ''}`;
}

/** A scan's findings, one a line. */
export function Findings({ findings }) {
  return (
    <ul class="findings">
      {findings.map((f, i) => <li key={i}><code>{findingText(f)}</code></li>)}
    </ul>
  );
}
