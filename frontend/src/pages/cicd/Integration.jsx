// An integration's setup page: how to send its deliveries (the provider's steps, with the inbound
// URL), what it has received, and — for a maintainer — setting it up to deploy: the provider's
// API, the target, the ref, the credential (sent once, kept in the secrets store, never shown
// again) and the approvals production needs.
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Done, Field } from '../../components/forms.jsx';
import { Page } from '../../components/Page.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Time } from '../../components/Time.jsx';
import { entityHref } from '../catalog/refs.js';

const TARGET = {
  github: ['Workflow', 'owner/repository/workflow file, e.g. acme/web/deploy.yml'],
  gitlab: ['Project', "the project's id or path, e.g. group/web"],
  jenkins: ['Job', "the job's path, e.g. platform/deploy-web"],
  circleci: ['Project slug', 'e.g. gh/acme/web'],
};
const API = {
  github: 'https://api.github.com', gitlab: 'https://gitlab.com', circleci: 'https://circleci.com',
  jenkins: "Jenkins' URL", generic: 'the deployer’s URL (the whole address)',
};

export function Integration({ id }) {
  const session = useSession();
  const it = useApi(`/cicd/integrations/${id}`);
  const i = it.data;
  return (
    <Page title={i ? `${i.name} (${i.provider})` : `Integration ${id}`}>
      <ProblemAlert problem={it.problem} />
      {i && (
        <>
          <p>Connects <a href={entityHref(i.entity)}>{i.entity}</a> to {i.provider}. {i.deliveries} {i.deliveries === 1 ? 'delivery' : 'deliveries'} so far
            {i.last_delivery_at && <>, the last <Time at={i.last_delivery_at} relative /> ({i.last_event})</>}.</p>
          <section aria-labelledby="setup-h">
            <h2 id="setup-h">Sending its deliveries</h2>
            <ol class="setup-steps">{i.setup.steps.map((s) => <li key={s}>{s}</li>)}</ol>
          </section>
          <section aria-labelledby="deploy-h">
            <h2 id="deploy-h">Deploying through it</h2>
            {i.deploys ? (
              <p>Set up: {i.deploy_api}{i.deploy_target && <> · {i.deploy_target}</>} · ref {i.deploy_ref}
                {i.deploy_approvals?.length > 0 && <> · approvals: {i.deploy_approvals.map((a) => `${a.count} for ${a.environment}`).join(', ')}</>}.</p>
            ) : <p>Not set up to deploy yet.</p>}
            {session.can('cicd.integration.write') && <DeploySetup i={i} onDone={it.reload} />}
          </section>
        </>
      )}
    </Page>
  );
}

function DeploySetup({ i, onDone }) {
  const [status, setStatus] = useState('');
  const save = useAction((body) => api(`/cicd/integrations/${i.id}/deploy`, { method: 'PUT', body }));
  async function onSubmit(e) {
    e.preventDefault();
    const form = e.currentTarget;
    const v = Object.fromEntries(new FormData(form));
    const body = {};
    for (const k of ['api_url', 'target', 'ref', 'user', 'credential']) if (v[k]) body[k] = v[k];
    // production's count from the form; the other environments' rules kept as they are
    const n = Number(v.production_approvals || 0);
    const others = (i.deploy_approvals ?? []).filter((a) => a.environment !== 'production');
    const kept = (i.deploy_approvals ?? []).find((a) => a.environment === 'production');
    body.approvals = [...others, ...(n > 0 ? [{ ...(kept ?? {}), environment: 'production', count: n }] : [])];
    if (await save.run(body)) {
      setStatus('Saved. The credential is in the secrets store; it is not shown again.');
      form.querySelector('[name=credential]').value = '';
      onDone();
    }
  }
  const target = TARGET[i.provider];
  const approvals = i.deploy_approvals?.find((a) => a.environment === 'production')?.count ?? 0;
  return (
    <form aria-label="Set up deploys" onSubmit={onSubmit}>
      <Done>{status}</Done>
      <Field label="API" name="api_url" defaultValue={i.deploy_api ?? (i.provider in { github: 1, gitlab: 1, circleci: 1 } ? API[i.provider] : '')}
             hint={`https only (http to this machine's loopback): ${API[i.provider]}.`} problem={save.problem} maxLength={500} />
      {target && <Field label={target[0]} name="target" defaultValue={i.deploy_target ?? ''} hint={target[1]} problem={save.problem} maxLength={300} />}
      {i.provider !== 'generic' && <Field label="Ref" name="ref" defaultValue={i.deploy_ref ?? 'main'} hint="The branch the pipeline runs on." problem={save.problem} maxLength={255} />}
      {i.provider === 'jenkins' && <Field label="User" name="user" defaultValue={i.deploy_user ?? ''} hint="Whose API token the credential is." problem={save.problem} maxLength={100} />}
      <Field label="Credential" name="credential" type="password" autocomplete="off" maxLength={4096} problem={save.problem}
             hint={i.deploys ? 'Leave empty to keep the one kept now.' : 'The token the runner calls the provider with (a GitHub token with actions: write, a GitLab trigger token, a Jenkins API token, a CircleCI token, the deployer’s secret).'} />
      <Field label="Approvals for production" name="production_approvals" type="number" min={0} max={5} defaultValue={String(approvals)}
             hint="How many maintainers of the service approve a deploy to production (0: none)." problem={save.problem} />
      <ProblemAlert problem={save.problem} fields={['api_url', 'target', 'ref', 'user', 'credential', 'approvals']} />
      <div class="actions"><button type="submit" class="primary" disabled={save.busy}>Save</button></div>
    </form>
  );
}
