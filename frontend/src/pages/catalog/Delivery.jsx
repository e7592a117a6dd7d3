// An entity's CI/CD (docs/cicd.md): what runs where now (the version each environment last
// deployed successfully, with a rollback for whoever may deploy), a deploy form, the deploys
// asked from Portico, the DORA figures of the last 30 days, recent deployments and pipeline
// runs, the open security findings, and its integrations — with, for whoever may connect one,
// the form that does, the secret shown once and the provider's setup steps. Nothing from a
// payload or an upload is rendered as HTML: every value is text, only http(s) URLs become links.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Field, formValues } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';
import { DoraFacts, deployHref, deployState, integrationHref, short } from '../cicd/dora.jsx';

const PROVIDERS = [['github', 'GitHub'], ['gitlab', 'GitLab'], ['circleci', 'CircleCI'], ['jenkins', 'Jenkins'],
  ['generic', 'Another sender (signed JSON)']];

const Url = ({ href, children }) => (/^https?:\/\//.test(href ?? '') ? <a href={href} rel="noopener noreferrer">{children}</a> : children);

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
      {connected.length > 0 && <Deployments entityRef={entityRef} deployable={connected.filter((i) => i.deploys)} />}
      {connected.some((i) => i.deploys) && <DeployForm entityRef={entityRef} deployable={connected.filter((i) => i.deploys)} />}
      {connected.length > 0 && <Deploys entityRef={entityRef} />}
      {connected.length > 0 && <Figures entityRef={entityRef} />}
      {connected.length > 0 && <Runs entityRef={entityRef} />}
      {connected.length > 0 && <Findings entityRef={entityRef} />}
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
      {d && <DoraFacts d={d} />}
    </section>
  );
}

function Deployments({ entityRef, deployable }) {
  const session = useSession();
  const { route } = useLocation();
  const list = useApi('/cicd/deployments', { entity: entityRef, limit: '20' });
  const rollback = useAction((environment) => api('/cicd/deploys/rollback', { method: 'POST', body: { entity: entityRef, environment } }));
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
            <li key={d.environment}><strong>{d.environment}</strong>: <code>{d.version || short(d.commit)}</code>, <Time at={d.finished_at} relative />
              {deployable.length > 0 && session.can('cicd.deploy') && (
                <> <button type="button" class="small" disabled={rollback.busy}
                           onClick={async () => { const a = await rollback.run(d.environment); if (a) route(deployHref(a.id)); }}>
                  Roll back<span class="visually-hidden"> {d.environment}</span></button></>
              )}
            </li>
          ))}
        </ul>
      )}
      <ProblemAlert problem={rollback.problem} />
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
              <th scope="col">Tests</th><th scope="col">Started</th><th scope="col">From</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td><Url href={r.url}>{r.name || r.run}</Url></td>
                <td>{r.branch}</td>
                <td><code>{short(r.commit)}</code></td>
                <td><span class={`run-status ${r.status}`}>{r.status}</span></td>
                <td>{r.tests === null || r.tests === undefined ? '—' : (
                  <span class={r.failed_tests ? 'run-status failure' : 'run-status success'}>
                    {r.failed_tests ? `${r.failed_tests} of ${r.tests} failed` : `${r.tests} passed`}
                  </span>
                )}</td>
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
              <a href={integrationHref(i.id)}><strong>{i.name}</strong></a> ({PROVIDERS.find(([p]) => p === i.provider)?.[1] ?? i.provider}):{' '}
              {i.deliveries} {i.deliveries === 1 ? 'delivery' : 'deliveries'}
              {i.last_delivery_at && <>, the last <Time at={i.last_delivery_at} relative /> ({i.last_event})</>}
              {i.deploys ? '; deploys through it' : ''}
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

function DeployForm({ entityRef, deployable }) {
  const session = useSession();
  const { route } = useLocation();
  const deploy = useAction((body) => api('/cicd/deploys', { method: 'POST', body }));
  if (!session.can('cicd.deploy')) return null;
  async function onSubmit(e) {
    e.preventDefault();
    const v = formValues(e);
    const body = { integration: Number(v.integration), environment: v.environment, version: v.version };
    if (v.reason) body.reason = v.reason;
    const answer = await deploy.run(body);
    if (answer) route(deployHref(answer.id));
  }
  return (
    <section aria-labelledby="deploy-h" class="cicd-part">
      <h3 id="deploy-h">Deploy</h3>
      <form class="inline-form" onSubmit={onSubmit} aria-label="Deploy a version">
        {deployable.length > 1 && <Field label="Through" name="integration" options={deployable.map((i) => [String(i.id), i.name])} problem={deploy.problem} />}
        {deployable.length === 1 && <input type="hidden" name="integration" value={String(deployable[0].id)} />}
        <Field label="Version" name="version" required maxLength={100} problem={deploy.problem} hint="A tag, a branch or a commit." />
        <Field label="Environment" name="environment" required maxLength={63} defaultValue="production" pattern="[a-z0-9\-]+" problem={deploy.problem} />
        <Field label="Why" name="reason" maxLength={500} problem={deploy.problem} />
        <button type="submit" disabled={deploy.busy}>Deploy</button>
      </form>
      <ProblemAlert problem={deploy.problem} fields={['integration', 'version', 'environment', 'reason']} />
    </section>
  );
}

function Deploys({ entityRef }) {
  const list = useApi('/cicd/deploys', { entity: entityRef, limit: '10' });
  const rows = list.data?.deploys ?? [];
  if (list.data && rows.length === 0) return null;
  return (
    <section aria-labelledby="deploys-h" class="cicd-part">
      <h3 id="deploys-h">Deploys asked from Portico</h3>
      <ProblemAlert problem={list.problem} />
      {rows.length > 0 && (
        <ul class="home-list">
          {rows.map((d) => (
            <li key={d.id}>
              <a href={deployHref(d.id)}>{d.rollback_of ? 'Rollback' : 'Deploy'} {d.version} to {d.environment}</a>: {deployState(d.state)}
              <span class="hint"> by {d.requester}, <Time at={d.created_at} relative /></span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Findings({ entityRef }) {
  const list = useApi('/cicd/findings', { entity: entityRef, limit: '20' });
  const d = list.data;
  const rows = d?.findings ?? [];
  return (
    <section aria-labelledby="findings-h" class="cicd-part">
      <h3 id="findings-h">Security findings</h3>
      <ProblemAlert problem={list.problem} />
      {d && rows.length === 0 && <p>No open finding. A pipeline uploads its scanners' SARIF to its run, and what they find shows here.</p>}
      {d && rows.length > 0 && (
        <>
          <p>Open: {d.open.critical} critical, {d.open.high} high, {d.open.medium} medium, {d.open.low} low.
            {d.open.critical > 0 && ' Deploys are refused while a critical one is open.'}</p>
          <Table label="Open security findings">
            <thead>
              <tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Where</th><th scope="col">What</th><th scope="col">Tool</th></tr>
            </thead>
            <tbody>
              {rows.map((f) => (
                <tr key={f.id}>
                  <td><span class={`severity ${f.severity}`}>{f.severity}</span></td>
                  <td><code>{f.rule}</code></td>
                  <td>{f.uri ? <code>{f.uri}{f.line ? `:${f.line}` : ''}</code> : '—'}</td>
                  <td>{f.message}</td>
                  <td>{f.tool}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
    </section>
  );
}
