// Two versions of a template compared: the unified diff of their XML, line by line (added,
// removed, context, hunk headers), and what changed in terms of the template (parameters, steps
// and outputs added, removed or changed; the policy).
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction } from '../../hooks.js';
import { Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { templateApi } from '../provision/shared.js';

function lineKind(l) {
  if (l.startsWith('+++') || l.startsWith('---')) return 'file';
  if (l.startsWith('@@')) return 'hunk';
  if (l.startsWith('+')) return 'add';
  if (l.startsWith('-')) return 'del';
  return 'same';
}

const itemText = (x) => (typeof x === 'string' ? x : x?.name ?? JSON.stringify(x));

export function Compare({ name, versions, chosen }) {
  const others = versions.map((v) => v.version);
  const initialTo = chosen ?? others[0];
  const [from, setFrom] = useState(others.find((v) => v !== initialTo) ?? initialTo);
  const [to, setTo] = useState(initialTo);
  const diff = useAction(async (a, b) => api(templateApi(name, 'versions', a, 'diff', b)));

  function onSubmit(e) {
    e.preventDefault();
    diff.run(from, to);
  }
  const d = diff.result;
  const lines = d?.diff ? d.diff.replace(/\n$/, '').split('\n') : [];
  const changes = d?.changes ?? {};
  return (
    <section aria-labelledby="template-diff-h">
      <h2 id="template-diff-h">Compare versions</h2>
      <form class="secrets-filter" onSubmit={onSubmit}>
        <Field label="From" name="from" options={others} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <Field label="To" name="to" options={others} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <div class="actions"><button type="submit" disabled={diff.busy || from === to}>Compare</button></div>
      </form>
      <ProblemAlert problem={diff.problem} />
      <p role="status" class="results-count">{d && `From ${d.from ?? from} to ${d.to ?? to}: ${lines.length ? `${lines.filter((l) => lineKind(l) === 'add').length} lines added, ${lines.filter((l) => lineKind(l) === 'del').length} removed` : 'the XML is the same'}.`}</p>
      {d && (
        <>
          <div class="diff-lists">
            {['parameters', 'steps', 'outputs', 'deprovision'].map((k) => {
              const c = changes[k] ?? {};
              const parts = [['added', c.added], ['removed', c.removed], ['changed', c.changed]].filter(([, l]) => l?.length);
              return (
                <div key={k} class={`diff-list ${parts.length ? parts[0][0] : ''}`}>
                  <h3>{k[0].toUpperCase() + k.slice(1)}</h3>
                  {parts.length === 0 ? <p class="hint">No change.</p> : (
                    <ul>
                      {parts.flatMap(([what, list]) => list.map((x) => <li key={`${what}-${itemText(x)}`}>{what}: <code>{itemText(x)}</code></li>))}
                    </ul>
                  )}
                </div>
              );
            })}
            <div class={`diff-list ${changes.policy_changed ? 'changed' : ''}`}>
              <h3>Policy</h3>
              <p class={changes.policy_changed ? '' : 'hint'}>{changes.policy_changed ? 'Changed: see the diff.' : 'No change.'}</p>
            </div>
          </div>
          {lines.length > 0 && (
            <pre class="diff" tabIndex={0} role="region" aria-label={`Diff of the XML from ${from} to ${to}`}>
              {lines.map((l, i) => <span key={i} class={`diff-line ${lineKind(l)}`}>{l || ' '}{'\n'}</span>)}
            </pre>
          )}
        </>
      )}
    </section>
  );
}
