// An entity's CI/CD (docs/cicd.md): what runs where now (the version each environment last
// deployed successfully), the DORA figures of the last 30 days, recent deployments and pipeline
// runs, and its integrations — with, for whoever may connect one, the form that does, the secret
// shown once and the provider's setup steps. Nothing from a payload is rendered as HTML: every
// value is text, and only http(s) URLs become links.
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Field, formValues } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';

const PROVIDERS = [['github', 'GitHub'], ['gitlab', 'GitLab'], ['circleci', 'CircleCI'], ['jenkins', 'Jenkins'],
  ['generic', 'Another sender (signed JSON)']];

const Url = ({ href, children }) => (/^https?:\/\//.test(href ?? '') ? <a href={href} rel="noopener noreferrer">{children}</a> : children);
const short = (sha) => (sha ? sha.slice(0, 10) : '');

function duration(seconds) {
  if (seconds === null || seconds === undefined) return 'not measured';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

const percent = (r) => (r === null || r === undefined ? 'not measured' : `${Math.round(r * 1000) / 10}%`);

export function Delivery({ entityRef }) {
  const query = { entity: entityRef };
  const integrations = useApi('/cicd/integrations', query);
  const missing = integrations.problem && [404, 405].includes(integrations.problem.status) &&
                  !integrations.problem.detail?.includes('entity');
  if (missing) return null;   /* no cicd area on this server */
  const connected = integrations.data?.integrations ?? [];
  return (
    <section aria-labelledby="cicd-h">
      <h2 id="cicd-h">CI/CD</h2>
      <ProblemAlert problem={integrations.problem} />
      {integrations.data && connected.length === 0 && (
        <p>No CI/CD provider is connected: connect one below, and its pipelines and deployments show here.</p>
      )}
      {connected.length > 0 && <Figures entityRef={entityRef} />}
      {connected.length > 0 && <Deployments entityRef={entityRef} />}
      {connected.length > 0 && <Runs entityRef={entityRef} />}
      <Integrations entityRef={entityRef} list={connected} reload={integrations.reload} />
    </section>
  );
}

function Figures({ entityRef }) {
  const dora = useApi('/cicd/dora', { entity: entityRef, days: '30' });
  const d = dora.data;
  return (
    <section aria-labelledby="dora-h" class="cicd-part">
      <h3 id="dora-h">The last 30 days in production</h3>
      <ProblemAlert problem={dora.problem} />
      {d && (
        <dl class="facts dora">
          <dt>Deployments</dt><dd>{d.deployments} ({(d.deployment_frequency_per_day).toFixed(2)} a day)</dd>
          <dt>Lead time for changes</dt>
          <dd>{d.lead_time_seconds.measured ? `${duration(d.lead_time_seconds.median)} median, ${duration(d.lead_time_seconds.p90)} p90` : 'not measured (no commit times yet)'}</dd>
          <dt>Change failure rate</dt><dd>{percent(d.change_failure_rate)} ({d.failures} of {d.changes})</dd>
          <dt>Time to restore</dt><dd>{d.time_to_restore_seconds.measured ? `${duration(d.time_to_restore_seconds.median)} median` : 'not measured'}</dd>
          <dt>Pipelines</dt>
          <dd>{d.pipelines.runs} runs, {percent(d.pipelines.failure_rate)} failed; {duration(d.pipelines.median_duration_seconds)} median</dd>
        </dl>
      )}
    </section>
  );
}

function Deployments({ entityRef }) {
  const list = useApi('/cicd/deployments', { entity: entityRef, limit: '20' });
  const rows = list.data?.deployments ?? [];
  const current = new Map();
  for (const d of rows) if (d.status === 'success' && !current.has(d.environment)) current.set(d.environment, d);
  return (
    <section aria-labelledby="deployments-h" class="cicd-part">
      <h3 id="deployments-h">Deployments</h3>
      <ProblemAlert problem={list.problem} />
      {list.data && rows.length === 0 && <p>No deployment has been reported yet.</p>}
      {current.size > 0 && (
        <ul class="current-versions" aria-label="Running now">
          {[...current.values()].map((d) => (
            <li key={d.environment}><strong>{d.environment}</strong>: <code>{d.version || short(d.commit)}</code>, <Time at={d.finished_at} relative /></li>
          ))}
        </ul>
      )}
      {rows.length > 0 && (
        <Table label="Deployments">
          <thead>
            <tr><th scope="col">Environment</th><th scope="col">Version</th><th scope="col">Commit</th><th scope="col">Status</th>
              <th scope="col">By</th><th scope="col">Finished</th></tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td>{d.environment}</td>
                <td><Url href={d.url}>{d.version || '—'}</Url></td>
                <td><code>{short(d.commit)}</code></td>
                <td><span class={`run-status ${d.status}`}>{d.status}</span></td>
                <td>{d.actor}</td>
                <td>{d.finished_at ? <Time at={d.finished_at} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}

function Runs({ entityRef }) {
  const list = useApi('/cicd/runs', { entity: entityRef, limit: '20' });
  const rows = list.data?.runs ?? [];
  return (
    <section aria-labelledby="runs-h" class="cicd-part">
      <h3 id="runs-h">Pipeline runs</h3>
      <ProblemAlert problem={list.problem} />
      {list.data && rows.length === 0 && <p>No pipeline run has been reported yet.</p>}
      {rows.length > 0 && (
        <Table label="Pipeline runs">
          <thead>
            <tr><th scope="col">Pipeline</th><th scope="col">Branch</th><th scope="col">Commit</th><th scope="col">Status</th>
              <th scope="col">Started</th><th scope="col">From</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td><Url href={r.url}>{r.name || r.run}</Url></td>
                <td>{r.branch}</td>
                <td><code>{short(r.commit)}</code></td>
                <td><span class={`run-status ${r.status}`}>{r.status}</span></td>
                <td>{r.started_at ? <Time at={r.started_at} /> : '—'}</td>
                <td>{r.provider}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </section>
  );
}

function Integrations({ entityRef, list, reload }) {
  const session = useSession();
  const [made, setMade] = useState(null);
  const connect = useAction((values) => api('/cicd/integrations', { method: 'POST', body: { ...values, entity: entityRef } }));
  async function onSubmit(e) {
    e.preventDefault();
    const form = e.currentTarget;
    const answer = await connect.run(formValues(e));
    if (answer) {
      setMade(answer);
      form.reset();
      reload();
    }
  }
  return (
    <section aria-labelledby="integrations-h" class="cicd-part">
      <h3 id="integrations-h">Integrations</h3>
      {list.length > 0 && (
        <ul class="integrations">
          {list.map((i) => (
            <li key={i.id}>
              <strong>{i.name}</strong> ({PROVIDERS.find(([p]) => p === i.provider)?.[1] ?? i.provider}):{' '}
              {i.deliveries} {i.deliveries === 1 ? 'delivery' : 'deliveries'}
              {i.last_delivery_at && <>, the last <Time at={i.last_delivery_at} relative /> ({i.last_event})</>}
            </li>
          ))}
        </ul>
      )}
      {made && (
        <div class="notice secret-once" role="status">
          <p><strong>{made.name} is connected.</strong> Its webhook secret is shown this once; keep it at the provider
            now:</p>
          <p><code class="secret">{made.secret}</code></p>
          <ol>{made.setup.steps.map((s) => <li key={s}>{s}</li>)}</ol>
          <button type="button" onClick={() => setMade(null)}>I have set it up</button>
        </div>
      )}
      {session.can('cicd.integration.write') && (
      <form class="inline-form" onSubmit={onSubmit} aria-label="Connect a provider">
        <Field label="Provider" name="provider" options={PROVIDERS} problem={connect.problem} />
        <Field label="Name" name="name" required maxLength={63} pattern="[a-z0-9\-]+" problem={connect.problem}
               hint="Lower-case letters, digits and '-': tells this entity's integrations apart." />
        <button type="submit" disabled={connect.busy}>Connect</button>
      </form>
      )}
      <ProblemAlert problem={connect.problem} fields={['provider', 'name', 'entity']} />
    </section>
  );
}
