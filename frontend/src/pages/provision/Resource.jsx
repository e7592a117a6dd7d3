// A resource, named by what it is ("orders_dev · mariadb · dev"): its state (read again every
// 2 s while it moves) with what that state means, template version, owner,
// requester and expiry (renew), its parameters and outputs (a secret output is revealed on
// request, after confirming, for 30 s, by whom the API says may: the resource's requester and
// its team's maintainers), the live log of its newest job, its jobs and history,
// and deleting it (which queues deprovisioning; the log then follows that job). Messages follow
// the state: no expiry once it is being removed or gone, no "queued" once the job has ended.
// History names who asked for it and who approved it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { Done } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { localText } from '../../format.js';
import { Time } from '../../components/Time.jsx';
import { entityHref } from '../catalog/refs.js';
import { REVEAL_SECONDS } from '../secrets/Versions.jsx';
import { secretApi, secretHref, takeFlash } from '../secrets/paths.js';
import { DELETABLE, DeleteDialog, LIVE, RenewDialog, useDelete } from './Actions.jsx';
import { Expiry, StateBadge, TemplateRef, resourceName } from './bits.jsx';
import { JobLog } from './JobLog.jsx';
import { MOVING, stateText, templateApi } from './shared.js';
import { MaybeLink } from '../../components/MaybeLink.jsx';

export function Resource({ params }) {
  return <ResourcePage key={params.id} id={params.id} />;
}

const finished = (job) => Boolean(job.finished_at) || ['succeeded', 'failed', 'cancelled', 'dead', 'done'].includes(job.state);

// The newest job: the latest made (ids grow with time when the times are equal).
function newestJob(jobs) {
  return (jobs ?? []).reduce((a, j) => {
    if (!a) return j;
    const t = String(j.created_at).localeCompare(String(a.created_at));
    return t > 0 || (t === 0 && Number(j.id) > Number(a.id)) ? j : a;
  }, null);
}

function ResourcePage({ id }) {
  const session = useSession();
  const res = useApi(`/provision/resources/${encodeURIComponent(id)}`);
  const [flash, setFlash] = useState(takeFlash);
  // A message of an action, shown while the resource is in the state it speaks of (`while`; none: until the next action).
  const [status, setStatusNow] = useState({ text: '', while: null });
  const setStatus = (text, state = null) => setStatusNow({ text, while: state });
  const [renewing, setRenewing] = useState(false);
  const r = res.data;
  const version = useApi(r && session.can('templates.template.read') ? templateApi(r.template, 'versions', r.version) : null);
  const ttl = version.data?.template?.policy?.ttl ?? {};
  const newest = newestJob(r?.jobs);
  const remove = useDelete((x, answer) => {
    setStatus(`Deprovisioning is queued${answer.job_id ? ` (job ${answer.job_id})` : ''}.`, 'deprovisioning');
    res.reload();
  });

  // While it moves (or its newest job runs), read it again every 2 s.
  const moving = r && (MOVING.has(r.state) || (newest && !finished(newest)));
  useEffect(() => {
    if (!moving) return undefined;
    const timer = setTimeout(res.reload, 2000);
    return () => clearTimeout(timer);
  }, [r]);

  // Say when the state changes (the status line is a live region).
  const lastState = useRef(null);
  const [stateNews, setStateNews] = useState('');
  useEffect(() => {
    if (!r) return;
    if (lastState.current && lastState.current !== r.state) {
      setStateNews(`The resource is ${stateText(r.state)} now.`);
      setFlash('');   /* what the request form said ("is being provisioned") is past */
    }
    lastState.current = r.state;
  }, [r?.state]);

  if (res.problem && !r) {
    return (
      <Page title={res.problem.status === 404 ? 'Resource not found' : 'Resource'}>
        <ProblemAlert problem={res.problem} />
        {res.problem.status === 404 && <p>There is no resource {id}, or you may not see it.</p>}
        <p><a href="/resources">Back to my resources</a></p>
      </Page>
    );
  }
  if (!r) return <p role="status">Loading the resource…</p>;
  const live = LIVE.has(r.state);
  const shown = status.text && (!status.while || status.while === r.state) ? status.text : flash;
  return (
    <Page title={resourceName(r)}>
      <p class="entity-ref">
        <span class="badge">resource {r.id}</span> <TemplateRef name={r.template} version={r.version} /> in {r.environment}
        {r.uid && <> · <code>{r.uid}</code></>}
      </p>
      <p class="resource-state" role="status">
        <span class="label">State:</span> <StateBadge state={r.state} />
        {moving && <span class="hint"> (following it as it changes)</span>}
        <span class="visually-hidden"> {stateNews}</span>
      </p>
      <StateMessage r={r} job={newest} />
      <Done>{shown}</Done>
      <ProblemAlert problem={res.problem} />

      <section aria-labelledby="resource-overview-h">
        <h2 id="resource-overview-h">Overview</h2>
        <dl class="facts">
          <dt>Template</dt><dd><TemplateRef name={r.template} version={r.version} /></dd>
          <dt>Environment</dt><dd>{r.environment}</dd>
          <dt>Owner</dt>
          <dd>{r.entity ? <>Entity <MaybeLink href={entityHref(r.entity)} needs="catalog.entity.read">{r.entity}</MaybeLink>{r.team && `, owned by team ${r.team}`}</> : `Team ${r.team}`}</dd>
          <dt>Requester</dt><dd>{r.requester}</dd>
          <dt>Created</dt><dd><Time at={r.created_at} /></dd>
          {live ? (
            <>
              <dt>Expires</dt>
              <dd>
                <Expiry at={r.expires_at} />
                {session.can('provision.resource.renew') && (
                  <> <button type="button" class="link" onClick={() => setRenewing(true)}>Renew</button></>
                )}
              </dd>
            </>
          ) : (
            <><dt>{{ deprovisioned: 'Removed', deprovision_failed: 'Removal failed' }[r.state] ?? 'Removal asked'}</dt>
              <dd><Time at={r.updated_at} /></dd></>
          )}
        </dl>
      </section>

      <section aria-labelledby="resource-parameters-h">
        <h2 id="resource-parameters-h">Parameters</h2>
        <ParameterList parameters={r.parameters} />
      </section>

      <section aria-labelledby="resource-outputs-h">
        <h2 id="resource-outputs-h">Outputs</h2>
        <OutputList outputs={r.outputs} team={r.team} requester={r.requester} />
      </section>

      <section aria-labelledby="resource-log-h">
        <h2 id="resource-log-h">Log{newest && ` of job ${newest.id} (${newest.kind})`}</h2>
        {newest ? <JobLog key={newest.id} job={newest} onDone={res.reload} /> : <p>No job yet.</p>}
      </section>

      <section aria-labelledby="resource-jobs-h">
        <h2 id="resource-jobs-h">Jobs</h2>
        {!r.jobs?.length ? <p>None.</p> : (
          <Table label="Jobs of the resource">
            <thead>
              <tr><th scope="col">Job</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Attempts</th>
                <th scope="col">Created</th><th scope="col">Finished</th><th scope="col">Last error</th></tr>
            </thead>
            <tbody>
              {r.jobs.map((j) => (
                <tr key={j.id}>
                  <td>{j.id}</td><td>{j.kind}</td><td><StateBadge state={j.state} /></td><td>{j.attempts}</td>
                  <td><Time at={j.created_at} /></td>
                  <td>{j.finished_at ? <Time at={j.finished_at} /> : '—'}</td>
                  <td class="details">{j.last_error || '—'}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>

      <section aria-labelledby="resource-history-h">
        <h2 id="resource-history-h">History</h2>
        {!r.history?.length ? <p>None.</p> : (
          <Table label="History of the resource">
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Event</th><th scope="col">Detail</th></tr></thead>
            <tbody>
              {r.history.map((h, i) => (
                <tr key={i}>
                  <td><Time at={h.at} /></td>
                  <td>{h.actor || '—'}</td>
                  <td>{stateText(h.event)}</td>
                  <td class="details">{detailText(h.detail)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>

      {DELETABLE.has(r.state) && session.can('provision.resource.delete') && (
        <section aria-labelledby="resource-delete-h" class="danger-zone">
          <h2 id="resource-delete-h">Delete the resource</h2>
          <p>Runs the template's deprovisioning steps: what was made is removed. The resource's record and history stay.</p>
          <button type="button" class="danger" onClick={() => remove.ask(r)}>Delete this resource</button>
        </section>
      )}
      {remove.subject && <DeleteDialog confirmation={remove} />}
      {renewing && (
        <RenewDialog resource={r} maxDays={ttl.max_days} defaultDays={ttl.default_days} onClose={() => setRenewing(false)}
                     onDone={(a) => {
                       setStatus(`Renewed${a.expires_at ? `: it expires ${localText(a.expires_at)}` : ''}.`, r.state);
                       setRenewing(false);
                       res.reload();
                     }} />
      )}
    </Page>
  );
}

// What the state means for the person looking, in a sentence (ready says nothing more).
function StateMessage({ r, job }) {
  const why = job?.last_error ? `: ${job.last_error}` : '';
  const text = {
    provisioning: 'Portico is making it: the log below follows the job.',
    failed: `Provisioning failed${why}. Delete it to remove what was made, or ask the template's owners.`,
    deprovisioning: 'What was made is being removed: the log below follows the job.',
    deprovisioned: `Deprovisioned: what was made is gone (removed ${localText(r.updated_at)}). This record and its history stay.`,
    deprovision_failed: `Deprovisioning failed${why}. Delete it again to retry.`,
  }[r.state];
  return text ? <p class={`state-message ${r.state}`}>{text}</p> : null;
}

function detailText(d) {
  if (d === undefined || d === null || d === '') return '—';
  return typeof d === 'string' ? d : JSON.stringify(d);
}

const valueText = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Parameters as name = value. */
export function ParameterList({ parameters }) {
  const entries = Object.entries(parameters ?? {});
  if (entries.length === 0) return <p>None.</p>;
  return (
    <dl class="facts">
      {entries.map(([k, v]) => [<dt key={`${k}-t`}><code>{k}</code></dt>, <dd key={`${k}-d`}><code>{valueText(v)}</code></dd>])}
    </dl>
  );
}

// Outputs: plain values as they are; a secret output by its path (the resource manages it),
// revealed on request where the API says the caller may (`reveal`); where it may not, who may
// is said in words.
function OutputList({ outputs, team, requester }) {
  const [revealed, setRevealed] = useState(null);
  const [status, setStatus] = useState('');
  const reveal = useConfirmation(async ({ name, path }) => {
    const answer = await api(secretApi('reveal', path), { method: 'POST', body: {} });
    setRevealed({ name, path, value: answer.value, encoding: answer.encoding, key: Date.now() });
    setStatus(`The value of ${name} is shown for ${REVEAL_SECONDS} seconds.`);
    return { ok: true };
  });
  const entries = Object.entries(outputs ?? {});
  if (entries.length === 0) return <p>None yet.</p>;
  return (
    <>
      <dl class="facts">
        {entries.map(([name, v]) => {
          const path = v && typeof v === 'object' && typeof v.secret === 'string' ? v.secret : null;
          return [
            <dt key={`${name}-t`}><code>{name}</code></dt>,
            <dd key={`${name}-d`}>
              {path ? (
                <>
                  <span class="badge">secret</span> <MaybeLink href={secretHref(path)} needs="secrets.secret.read"><code>{path}</code></MaybeLink>{' '}
                  {v.reveal && (revealed?.path === path ? (
                    <RevealedOutput key={revealed.key} revealed={revealed}
                                    onHide={(why) => { setRevealed(null); setStatus(`The value of ${name} is hidden again${why}.`); }} />
                  ) : (
                    <button type="button" onClick={() => reveal.ask({ name, path })}>Reveal<span class="visually-hidden"> {name}</span></button>
                  ))}
                  {!v.reveal && <p class="hint">You can't reveal it: only {v.managed ? `${requester}, who requested it, ` : ''}the
                    maintainers of team {team} and administrators can.</p>}
                </>
              ) : <code>{valueText(v)}</code>}
            </dd>,
          ];
        })}
      </dl>
      <p role="status" class="history-status">{status}</p>
      {reveal.subject && (
        <ConfirmDialog confirmation={reveal} title={`Reveal ${reveal.subject.name}?`} confirm="Reveal" danger={false}>
          <p>The value of <code>{reveal.subject.path}</code> will show on this page for {REVEAL_SECONDS} seconds, then be hidden again.</p>
          <p>Every reveal is recorded in the audit log with your name.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

// A revealed output, for REVEAL_SECONDS with a countdown; "Hide now" and leaving the page hide it.
function RevealedOutput({ revealed, onHide }) {
  const [deadline] = useState(() => Date.now() + REVEAL_SECONDS * 1000);
  const [left, setLeft] = useState(REVEAL_SECONDS);
  const hideRef = useRef(onHide);
  hideRef.current = onHide;
  const panel = useRef(null);
  useEffect(() => {
    panel.current?.focus();
    const timer = setInterval(() => {
      const seconds = Math.ceil((deadline - Date.now()) / 1000);
      if (seconds <= 0) hideRef.current(`: ${REVEAL_SECONDS} seconds have passed`);
      else setLeft(seconds);
    }, 250);
    const away = () => document.hidden && hideRef.current(': the page was left');
    document.addEventListener('visibilitychange', away);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', away);
    };
  }, []);
  const binary = revealed.encoding === 'base64';
  return (
    <div class="revealed">
      <pre class="secret-value" tabIndex={0} role="region" aria-label={`Value of ${revealed.name}${binary ? ', base64' : ''}`} ref={panel}><code>{revealed.value}</code></pre>
      <p class="countdown" role="timer">Hidden again in {left} s.</p>
      <button type="button" class="primary" onClick={() => onHide('')}>Hide now</button>
    </div>
  );
}

