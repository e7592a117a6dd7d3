// An entity's alert rules (docs/observability.md, Alerts): each with its state now and its last
// figure, linked to its page; a form to add one for whoever may (monitor.alert.write on the
// entity); and the way to the entity's dashboard. Hidden when the reader may not read its alerts.
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { Field, formValues } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Table } from '../../components/Table.jsx';

export const stateClass = (s) => `health ${s === 'firing' ? 'critical' : s === 'pending' ? 'warning' : 'passing'}`;

const KINDS = [['health', 'Health checks failing'], ['failures', 'Failures in a window'], ['dora', 'A DORA figure'], ['promql', 'A PromQL expression']];
const METRICS = {
  health: [['critical', 'critical checks'], ['warning', 'checks at warning or worse']],
  failures: [['deploys', 'failed deployments'], ['pipelines', 'failed pipeline runs'], ['jobs', 'failed provisioning jobs']],
  dora: [['change_failure_rate', 'change failure rate (0 to 1)'], ['deployment_frequency', 'deployments a day'], ['lead_time', 'lead time, seconds'], ['time_to_restore', 'time to restore, seconds']],
};

export function dashboardHref(ref) {
  return `/alerts/dashboard?entity=${encodeURIComponent(ref)}`;
}

export function AlertRules({ entityRef }) {
  const rules = useApi('/monitor/rules', { entity: entityRef });
  const [adding, setAdding] = useState(false);
  const [kind, setKind] = useState('health');
  const add = useAction(async (body) => api('/monitor/rules', { method: 'POST', body }));
  const p = rules.problem;
  if (p && (p.status === 403 || p.status === 404 || p.status === 405)) return null;
  const list = rules.data?.rules ?? [];

  async function onAdd(e) {
    e.preventDefault();
    const v = formValues(e);
    const body = { entity: entityRef, name: v.name, kind: v.kind, severity: v.severity };
    if (v.kind === 'promql') body.expr = v.expr;
    else body.metric = v.metric;
    if (v.op) body.op = v.op;
    if (v.threshold !== '') body.threshold = Number(v.threshold);
    if (v.kind === 'dora') body.window_seconds = 30 * 86400;
    if (v.for_seconds) body.for_seconds = Number(v.for_seconds);
    if (await add.run(body)) {
      setAdding(false);
      rules.reload();
    }
  }

  return (
    <section aria-labelledby="alerts-h">
      <h2 id="alerts-h">Alerts</h2>
      <p><a href={dashboardHref(entityRef)}>Open this service's dashboard</a>: its health, deploys and your own panels of its metrics.</p>
      <ProblemAlert problem={p} />
      {rules.data && list.length === 0 && <p>No alert rules. Add one to hear when this service is unwell.</p>}
      {list.length > 0 && (
        <Table label="Alert rules and their state">
          <thead><tr><th scope="col">Rule</th><th scope="col">Watches</th><th scope="col">Severity</th><th scope="col">State</th><th scope="col">Last value</th></tr></thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id}>
                <td><a href={`/alerts/rules/${r.id}`}>{r.name}</a></td>
                <td>{r.kind === 'promql' ? <code>{r.expr}</code> : `${r.kind} ${r.metric}`} {r.op ?? 'any'} {r.op ? r.threshold : ''}</td>
                <td>{r.severity}</td>
                <td><span class={stateClass(r.state)}>{r.state}</span>{r.error ? ` (${r.error})` : ''}</td>
                <td>{r.value ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {!adding && <button type="button" onClick={() => { add.clear(); setAdding(true); }}>Add an alert rule</button>}
      {adding && (
        <form aria-label="Add an alert rule" onSubmit={onAdd} noValidate>
          <Field label="Name" name="name" required maxLength={63} problem={add.problem} />
          <Field label="Watch" name="kind" options={KINDS} value={kind} onChange={(e) => setKind(e.currentTarget.value)} problem={add.problem} />
          {kind === 'promql'
            ? <Field label="PromQL expression" name="expr" required maxLength={2000} problem={add.problem}
                hint="Scoped to this service's series. With no comparison, it fires when the expression has any sample." />
            : <Field label="Figure" name="metric" options={METRICS[kind]} problem={add.problem} />}
          <Field label="Comparison" name="op" options={kind === 'promql' ? [['', 'any sample'], '>', '>=', '<', '<=', '==', '!='] : ['>', '>=', '<', '<=', '==', '!=']} problem={add.problem} />
          <Field label="Threshold" name="threshold" type="number" step="any" placeholder="0" problem={add.problem} />
          <Field label="True for (seconds) before it fires" name="for_seconds" type="number" min="0" max="86400" placeholder="0" problem={add.problem} />
          <Field label="Severity" name="severity" options={['warning', 'critical', 'info']} problem={add.problem} />
          <ProblemAlert problem={add.problem} />
          <button type="submit" disabled={add.busy}>Add the rule</button>{' '}
          <button type="button" onClick={() => setAdding(false)}>Cancel</button>
        </form>
      )}
    </section>
  );
}
