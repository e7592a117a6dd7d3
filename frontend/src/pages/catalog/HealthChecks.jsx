// An entity's health checks (docs/observability.md): each with its status, what its last run
// said and when; a form to add one (http, tcp or ttl) for whoever may (health.check.write on the
// entity; others are told why when they try), and delete. Statuses move as the runner's results
// come, damped: the counts in a row are the check's own settings.
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Field, formValues } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';

export const healthClass = (s) => `health ${s === 'passing' ? 'passing' : s === 'warning' ? 'warning' : 'critical'}`;

const KINDS = [['http', 'HTTP: a URL answers'], ['tcp', 'TCP: a port accepts a connection'], ['ttl', 'TTL: the service reports in']];

export function checkOf(c) {
  return c.instance ? `${c.environment}/${c.instance}` : 'the entity';
}

export function HealthChecks({ entityRef }) {
  const session = useSession();
  const checks = useApi('/health/checks', { entity: entityRef });
  const [adding, setAdding] = useState(false);
  const [kind, setKind] = useState('http');
  const missing = checks.problem && [404, 405].includes(checks.problem.status) && !checks.problem.detail?.includes('entity');
  const add = useAction(async (body) => api('/health/checks', { method: 'POST', body }));
  const remove = useAction(async (id) => api(`/health/checks/${id}`, { method: 'DELETE' }));
  if (missing) return null;   /* no health area on this server */
  const list = checks.data?.checks ?? [];
  const failing = list.filter((c) => c.status !== 'passing').length;

  async function onAdd(e) {
    e.preventDefault();
    const v = formValues(e);
    const body = { entity: entityRef, name: v.name, kind: v.kind };
    if (v.kind !== 'ttl') body.target = v.target;
    if (v.kind === 'ttl') body.ttl_seconds = Number(v.ttl_seconds);
    else if (v.interval_seconds) body.interval_seconds = Number(v.interval_seconds);
    if (v.kind === 'http' && v.body_contains) body.body_contains = v.body_contains;
    if (v.kind === 'http' && v.max_latency_ms) body.max_latency_ms = Number(v.max_latency_ms);
    if (v.environment || v.instance) { body.environment = v.environment; body.instance = v.instance; }
    if (await add.run(body)) {
      setAdding(false);
      checks.reload();
    }
  }

  return (
    <section aria-labelledby="checks-h">
      <h2 id="checks-h">Health checks</h2>
      <ProblemAlert problem={checks.problem} />
      {checks.loading && <p role="status">Loading health checks…</p>}
      {checks.data && list.length === 0 && <p>No health checks. Add one so the runner watches this service and discovery gives out only healthy instances.</p>}
      {list.length > 0 && (
        <>
          <p>{list.length} {list.length === 1 ? 'check' : 'checks'}: {list.length - failing} passing, {failing} not.</p>
          <Table label="Checks and their status">
            <thead><tr><th scope="col">Check</th><th scope="col">Of</th><th scope="col">Kind</th><th scope="col">Status</th>
              <th scope="col">Last said</th><th scope="col">Checked</th><th scope="col" data-actions>Actions</th></tr></thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id}>
                  <td>{c.name}</td>
                  <td>{checkOf(c)}</td>
                  <td>{c.kind}{c.target ? ` ${c.target}` : ''}</td>
                  <td><span class={healthClass(c.status)}>{c.status}</span></td>
                  <td>{c.output}</td>
                  <td>{c.checked_at ? <Time at={c.checked_at} relative /> : 'not yet'}</td>
                  <td data-actions><button type="button" class="danger" disabled={remove.busy}
                    onClick={async () => { if (await remove.run(c.id)) checks.reload(); }}
                    aria-label={`Delete check ${c.name}`}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
      <ProblemAlert problem={remove.problem} />
      {session.can('health.check.write') && !adding && <p><button type="button" onClick={() => setAdding(true)}>Add a health check</button></p>}
      {adding && (
        <form onSubmit={onAdd} aria-label="Add a health check" class="stack">
          <Field label="Name" name="name" required hint="e.g. live, db, queue" problem={add.problem} />
          <Field label="Kind" name="kind" options={KINDS} defaultValue={kind} onChange={(e) => setKind(e.currentTarget.value)} problem={add.problem} />
          {kind !== 'ttl' && <Field label={kind === 'http' ? 'URL' : 'Host and port'} name="target" required
            hint={kind === 'http' ? 'http:// or https://; passing on a 2xx answer' : 'host:port'} problem={add.problem} />}
          {kind === 'http' && <Field label="The answer must contain" name="body_contains" hint="Optional text" problem={add.problem} />}
          {kind === 'http' && <Field label="Slower than this is a warning (ms)" name="max_latency_ms" type="number" problem={add.problem} />}
          {kind !== 'ttl' && <Field label="Every (seconds)" name="interval_seconds" type="number" hint="30 when empty" problem={add.problem} />}
          {kind === 'ttl' && <Field label="A report stays good for (seconds)" name="ttl_seconds" type="number" required problem={add.problem} />}
          <Field label="Environment" name="environment" hint="With an instance: the check of that instance only" problem={add.problem} />
          <Field label="Instance" name="instance" problem={add.problem} />
          <ProblemAlert problem={add.problem} fields={['name', 'kind', 'target', 'body_contains', 'max_latency_ms', 'interval_seconds', 'ttl_seconds', 'environment', 'instance']} />
          <div class="actions">
            <button type="submit" class="primary" disabled={add.busy}>Add the check</button>
            <button type="button" onClick={() => { setAdding(false); add.clear(); }}>Cancel</button>
          </div>
        </form>
      )}
    </section>
  );
}
