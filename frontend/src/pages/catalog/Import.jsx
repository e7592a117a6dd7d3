// Importing catalog-info.yaml: paste it or load a file, preview what it would add and change (a
// dry run), then apply it, all or nothing. The API's problems appear under the text: malformed
// YAML at its line and column, a bad field at the document and line it names.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { sentence } from '../../format.js';
import { toYaml } from '../../yaml.js';
import { entityApiPath, entityHref, parseRef, refLabel } from './refs.js';
import { documentsOf, lineOf } from './yamlSource.js';

const post = (text, dryRun) => api('/catalog/import', {
  method: 'POST', query: dryRun ? { dry_run: 'true' } : undefined, body: text, type: 'application/yaml',
});

export function Import() {
  const { query } = useLocation();
  const id = useId();
  const area = useRef(null);
  const [text, setText] = useState('');
  const [loaded, setLoaded] = useState('');
  const preview = useAction(async (t) => ({ ...(await post(t, true)), text: t }));
  const apply = useAction(async (t) => {
    const answer = await post(t, false);
    preview.clear();
    return answer;
  });
  const previewed = preview.result?.text === text ? preview.result : null;
  const nothing = previewed && previewed.added.length + previewed.changed.length + previewed.removed.length === 0;
  const problem = apply.problem ?? preview.problem;
  const located = problemPlaces(problem, text);

  // ?edit=<ref>: start from that entity's document, to change it here.
  const editRef = parseRef(query.edit);
  const editing = useApi(editRef ? entityApiPath(editRef) : null);
  useEffect(() => {
    if (editing.data) setText(toYaml(editing.data.entity));
  }, [editing.data]);

  async function onFile(e) {
    const file = e.currentTarget.files[0];
    if (!file) return;
    setText(await file.text());
    setLoaded(`Loaded ${file.name} (${file.size.toLocaleString('en')} bytes).`);
    preview.clear();
    apply.clear();
  }

  // Put the cursor on a line of the text (1-based) and select it.
  function goTo(line) {
    const el = area.current;
    const lines = el.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    const lineHeight = el.scrollHeight / Math.max(lines.length, 1);
    el.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }

  return (
    <Page title="Import entities"
          intro="Paste catalog-info.yaml, or load it from a file: one or more entity documents, separated by ---. Preview shows what would change; nothing changes until you apply it, and then all of it does or none.">
      <form class="import-form" onSubmit={(e) => { e.preventDefault(); apply.clear(); preview.run(text); }}>
        <div class="field">
          <label for={`${id}-file`}>Load a file</label>
          <input id={`${id}-file`} type="file" accept=".yaml,.yml,.json,application/yaml,text/yaml,application/json"
                 onChange={onFile} />
          <p class="done" role="status">{loaded}</p>
        </div>
        <div class="field">
          <label for={`${id}-text`}>catalog-info.yaml</label>
          <textarea id={`${id}-text`} ref={area} class="code" rows={18} wrap="off" spellcheck={false} autocomplete="off"
                    value={text} onInput={(e) => setText(e.currentTarget.value)} required
                    aria-invalid={located ? 'true' : undefined}
                    aria-describedby={`${id}-hint${located ? ` ${id}-error` : ''}`} />
          <p class="hint" id={`${id}-hint`}>Entities of kinds Component, API, Resource, System, Domain, Group, User and Location, as Backstage writes them.</p>
          {editing.problem && <ProblemAlert problem={editing.problem} />}
          {located && <Places id={`${id}-error`} places={located} text={text} goTo={goTo} />}
        </div>
        <ProblemAlert problem={problem} fields={located ? Object.keys(problem.fieldErrors) : []} detail={located?.summary} />
        <div class="actions">
          <button type="submit" class="primary" disabled={preview.busy || !text.trim()}>Preview</button>
          <button type="button" onClick={() => apply.run(text)} disabled={!previewed || nothing || apply.busy}>Apply</button>
          {!previewed && !apply.result && <span class="hint">Preview first: Apply imports exactly what was previewed.</span>}
        </div>
      </form>

      {previewed && <Diff answer={previewed} title="Preview" />}
      {apply.result && <Diff answer={apply.result} title="Imported" />}
    </Page>
  );
}

// Where a problem is in the text: malformed YAML at a line and column; field errors by document
// and line. Null when the problem names no place.
function problemPlaces(problem, text) {
  if (!problem) return null;
  const at = /line (\d+), column (\d+)/.exec(problem.detail ?? '');
  if (problem.status === 400 && at) {
    return { summary: 'The text is not well-formed YAML: see the line marked under it.', syntax: { line: Number(at[1]), column: Number(at[2]), message: problem.detail } };
  }
  const fields = (problem.errors ?? []).filter((e) => /^documents\/\d+/.test(e.field));
  if (fields.length === 0) return null;
  const docs = documentsOf(text);
  const byDoc = new Map();
  for (const e of fields) {
    const [, n, path] = /^documents\/(\d+)\/?(.*)$/.exec(e.field);
    if (!byDoc.has(n)) byDoc.set(n, []);
    byDoc.get(n).push({ path, message: e.message, line: lineOf(text, e.field) });
  }
  const count = fields.length;
  return {
    summary: `${count === 1 ? 'One field is' : `${count} fields are`} wrong in ${byDoc.size === 1 ? 'one document' : `${byDoc.size} documents`}: see them marked under the text.`,
    documents: [...byDoc].map(([n, errors]) => ({ index: Number(n), name: docs[Number(n)]?.name, line: docs[Number(n)] ? docs[Number(n)].start + 1 : null, errors })),
  };
}

function Places({ id, places, text, goTo }) {
  if (places.syntax) {
    const { line, column, message } = places.syntax;
    const source = text.split('\n')[line - 1] ?? '';
    return (
      <div class="field-error import-error" id={id}>
        <p>{sentence(message)}</p>
        <pre class="source" aria-hidden="true">{`${line} | ${source}\n${' '.repeat(String(line).length)} | ${' '.repeat(Math.max(column - 1, 0))}^`}</pre>
        <button type="button" onClick={() => goTo(line)}>Go to line {line}</button>
      </div>
    );
  }
  return (
    <div class="field-error import-error" id={id}>
      <ul>
        {places.documents.map((d) => (
          <li key={d.index}>
            Document {d.index + 1}{d.name ? ` (${d.name})` : ''}{d.line ? `, from line ${d.line}` : ''}:
            <ul>
              {d.errors.map((e, i) => (
                <li key={i}>
                  <code>{e.path || '(the document)'}</code> {e.message}
                  {e.line && <> <button type="button" class="link" onClick={() => goTo(e.line)}>Go to line {e.line}</button></>}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </div>
  );
}

// What an import would do or did: added, changed and removed entities, and how many stay.
function Diff({ answer, title }) {
  const done = !answer.dry_run;
  const id = `diff-${done ? 'done' : 'preview'}-h`;
  const lists = [
    ['added', done ? 'Added' : 'To add', true],
    ['changed', done ? 'Changed' : 'To change', true],
    ['removed', done ? 'Removed' : 'To remove', false],
  ];
  const [a, c, r, u] = [answer.added.length, answer.changed.length, answer.removed.length, answer.unchanged];
  let summary = `Imported: ${a} added, ${c} changed, ${r} removed, ${u} unchanged.`;
  if (!done) {
    summary = a + c + r === 0
      ? `Nothing would change: ${u === 1 ? 'the entity is' : `all ${u} entities are`} as the catalog has them.`
      : `Applying this would add ${a}, change ${c} and remove ${r} ${a + c + r === 1 ? 'entity' : 'entities'}; ${u} would stay as ${u === 1 ? 'it is' : 'they are'}. Nothing has changed yet.`;
  }
  return (
    <section aria-labelledby={id} class="diff">
      <h2 id={id}>{title}</h2>
      <p role="status" class={done ? 'done' : undefined}>
        {summary}
      </p>
      <div class="diff-lists">
        {lists.map(([key, label, linkable]) => (
          <section key={key} aria-labelledby={`${id}-${key}`} class={`diff-list ${key}`}>
            <h3 id={`${id}-${key}`}>{label} ({answer[key].length})</h3>
            {answer[key].length === 0 ? <p class="hint">None.</p> : (
              <ul>
                {answer[key].map((ref) => (
                  <li key={ref}>
                    {linkable && (done || key === 'changed') ? <a href={entityHref(ref)}>{refLabel(ref)}</a> : <code>{refLabel(ref)}</code>}
                  </li>
                ))}
              </ul>
            )}
          </section>
        ))}
      </div>
      <p>Unchanged: {answer.unchanged}.</p>
    </section>
  );
}
