// The Alerts area (docs/observability.md): what is firing and pending now across the services the
// reader may see (/alerts); one rule with its state, acknowledgement and history
// (/alerts/rules/<id>); and a service's dashboard (/alerts/dashboard?entity=<ref>, Dashboard.jsx).
// Rules are added on each service's catalog page.
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useSession } from '../../session.jsx';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { Page } from '../../components/Page.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';
import { Field, formValues } from '../../components/forms.jsx';
import { entityHref } from '../catalog/refs.js';
import { stateClass } from '../catalog/AlertRules.jsx';
import { Dashboard } from './Dashboard.jsx';

export function Alerts() {
  const { path } = useLocation();
  const m = path.match(/^\/alerts\/rules\/(\d+)$/);
  if (m) return <Rule id={m[1]} />;
  if (path === '/alerts/dashboard') return <Dashboard />;
  return <Now />;
}

function Now() {
  const now = useApi('/monitor/alerts');
  const { reload } = now;
  useEffect(() => {
    const t = setInterval(reload, 15000);
    return () => clearInterval(t);
  }, [reload]);
  const list = now.data?.alerts ?? [];
  const firing = list.filter((a) => a.state === 'firing').length;
  return (
    <Page title="Alerts" intro="Alert rules firing and pending now, firing and critical first. Add rules on a service's catalog page.">
      <ProblemAlert problem={now.problem} />
      {now.data && <p role="status">{list.length === 0 ? 'Nothing is firing.' : `${firing} firing, ${list.length - firing} pending.`}</p>}
      {list.length > 0 && (
        <Table label="Alerts now">
          <thead><tr><th scope="col">Rule</th><th scope="col">Service</th><th scope="col">Severity</th><th scope="col">State</th>
            <th scope="col">Since</th><th scope="col">Acknowledged</th></tr></thead>
          <tbody>
            {list.map((a) => (
              <tr key={a.id}>
                <td><a href={`/alerts/rules/${a.id}`}>{a.name}</a></td>
                <td><a href={entityHref(a.entity) ?? '/catalog'}>{a.entity}</a></td>
                <td>{a.severity}</td>
                <td><span class={stateClass(a.state)}>{a.state}</span></td>
                <td><Time at={a.firing_since ?? a.pending_since} relative /></td>
                <td>{a.acked_by ? `${a.acked_by}${a.ack_comment ? `: ${a.ack_comment}` : ''}` : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Page>
  );
}

function Rule({ id }) {
  const rule = useApi(`/monitor/rules/${id}`);
  const events = useApi(`/monitor/rules/${id}/events`);
  const ack = useAction(async (body) => api(`/monitor/rules/${id}/ack`, { method: 'POST', body }));
  const change = useAction(async (body) => api(`/monitor/rules/${id}`, { method: 'PUT', body }));
  const remove = useAction(async () => api(`/monitor/rules/${id}`, { method: 'DELETE' }));
  const { route } = useLocation();
  const session = useSession();
  const r = rule.data;
  // PUT takes the whole definition: the rule as read, enabled flipped
  async function onToggle() {
    const keys = ['name', 'kind', 'metric', 'environment', 'expr', 'op', 'threshold', 'window_seconds', 'for_seconds',
      'interval_seconds', 'repeat_seconds', 'severity', 'summary'];
    const body = Object.fromEntries(keys.filter((k) => r[k] !== null && r[k] !== undefined).map((k) => [k, r[k]]));
    if (await change.run({ ...body, enabled: !r.enabled })) {
      rule.reload();
      events.reload();
    }
  }
  async function onDelete() {
    if (await remove.run()) route(entityHref(r.entity) ?? '/alerts');
  }
  async function onAck(e) {
    e.preventDefault();
    if (await ack.run({ comment: formValues(e).comment })) {
      rule.reload();
      events.reload();
    }
  }
  return (
    <Page title={r ? `Alert ${r.name}` : 'Alert rule'}>
      <ProblemAlert problem={rule.problem} />
      {r && (
        <>
          <p>On <a href={entityHref(r.entity) ?? '/catalog'}>{r.entity}</a> ({r.team}), {r.severity}:{' '}
            {r.kind === 'promql' ? <code>{r.expr}</code> : `${r.kind} ${r.metric}`} {r.op ?? 'any sample'} {r.op ? r.threshold : ''}
            {r.for_seconds ? `, for ${r.for_seconds} s` : ''}. {r.summary}</p>
          <p role="status">State: <span class={stateClass(r.state)}>{r.state}</span>
            {r.value !== undefined && r.value !== null ? `, value ${r.value}` : ''}
            {r.evaluated_at && <>, evaluated <Time at={r.evaluated_at} relative /></>}</p>
          {r.error && <p class="problem">It could not be evaluated: {r.error}</p>}
          {r.acked_by && <p>Acknowledged by {r.acked_by} <Time at={r.acked_at} relative />{r.ack_comment ? `: ${r.ack_comment}` : ''}.</p>}
          {!r.enabled && <p>Disabled: it is not evaluated{r.state !== 'inactive' ? ', and resolves at the runner\'s next pass' : ''}.</p>}
          {session.can?.('monitor.alert.write') && (
            <p class="actions">
              <button type="button" onClick={onToggle} disabled={change.busy}>{r.enabled ? 'Disable this rule' : 'Enable this rule'}</button>{' '}
              {r.state === 'inactive' && <button type="button" onClick={onDelete} disabled={remove.busy}>Delete this rule</button>}
            </p>
          )}
          <ProblemAlert problem={change.problem ?? remove.problem} />
          {r.state === 'firing' && !r.acked_by && (
            <form aria-label="Acknowledge" onSubmit={onAck}>
              <Field label="Comment" name="comment" maxLength={300} problem={ack.problem} />
              <ProblemAlert problem={ack.problem} />
              <button type="submit" disabled={ack.busy}>Acknowledge</button>
            </form>
          )}
        </>
      )}
      <section aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        <ProblemAlert problem={events.problem} />
        {events.data && events.data.events.length === 0 && <p>Nothing has happened yet.</p>}
        {events.data && events.data.events.length > 0 && (
          <Table label="What happened">
            <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Value</th><th scope="col">Notices</th></tr></thead>
            <tbody>
              {events.data.events.map((e) => (
                <tr key={e.id}>
                  <td><Time at={e.at} /></td>
                  <td>{e.event}{e.actor ? ` by ${e.actor}` : ''}{e.detail ? `: ${e.detail}` : ''}</td>
                  <td>{e.value ?? '—'}</td>
                  <td>{e.silence_id ? 'held back by a silence' : `${e.delivered} delivered${e.undelivered ? `, ${e.undelivered} given up` : ''}`}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>
    </Page>
  );
}
