// What happened to one request (GET /audit/requests/{id}): the audit events it wrote, the jobs
// and deploys it queued, and this host's log lines of it and of the rest of its trace.
import { useApi } from '../hooks.js';
import { Page } from '../components/Page.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { Table } from '../components/Table.jsx';
import { Time } from '../components/Time.jsx';
import { Breakable } from '../components/Breakable.jsx';
import { EventsTable } from './Audit.jsx';

function sizeText(bytes) {
  if (bytes >= 1048576) return `${Math.round(bytes / 104857.6) / 10} MiB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

export function AuditRequest({ params }) {
  const id = params.id;
  const view = useApi(`/audit/requests/${encodeURIComponent(id)}`);
  const d = view.data;
  return (
    <Page title="What happened to a request" intro={`Everything Portico knows of request ${id}: what it recorded, what it queued, and the log lines of its trace on this host.`}>
      <p><a href="/audit">Back to the audit log</a></p>
      {view.loading && <p role="status">Looking…</p>}
      <ProblemAlert problem={view.problem} />
      {d && (
        <>
          <dl class="facts">
            <dt>Request</dt><dd><code>{d.request_id}</code></dd>
            <dt>Trace</dt><dd>{d.trace_id ? <code>{d.trace_id}</code> : 'none known'}</dd>
          </dl>
          <section aria-labelledby="rq-events">
            <h2 id="rq-events">Audit events ({d.events.length})</h2>
            {d.events.length === 0 ? <p>It recorded no audit event.</p> : (
              <EventsTable events={d.events} label="Audit events of the request" />
            )}
          </section>
          <section aria-labelledby="rq-jobs">
            <h2 id="rq-jobs">Jobs and deploys ({d.jobs.length + d.deploys.length})</h2>
            {d.jobs.length + d.deploys.length === 0 ? <p>It queued no job and no deploy.</p> : (
              <ul>
                {d.jobs.map((j) => (
                  <li key={`j${j.id}`}>Job {j.id}: {j.kind} of <a href={`/resources/${j.resource_id}`}>{j.resource || `resource ${j.resource_id}`}</a> (team {j.team}), {j.state} after {j.attempts} attempt{j.attempts === 1 ? '' : 's'}, queued <Time at={j.created_at} /></li>
                ))}
                {d.deploys.map((x) => (
                  <li key={`d${x.id}`}><a href={`/cicd/deploys/${x.id}`}>Deploy {x.id}</a>: {x.version} of {x.entity_ref} to {x.environment}, {x.state}, asked <Time at={x.created_at} /></li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="rq-log">
            <h2 id="rq-log">Log lines ({d.log.length})</h2>
            <p class="hint">From the last {sizeText(d.log_searched_bytes)} of this host's request log: the request's line, and those of other requests in its trace.</p>
            {d.log.length > 0 && (
              <Table label="Log lines of the request and its trace">
                <thead><tr><th scope="col">Time</th><th scope="col">Request</th><th scope="col">Method and path</th><th scope="col">Status</th><th scope="col">Took</th><th scope="col">Actor</th><th scope="col">Error</th></tr></thead>
                <tbody>
                  {d.log.map((l, i) => (
                    <tr key={i} aria-current={l.request_id === d.request_id ? 'true' : undefined}>
                      <td><Time at={l.time} /></td>
                      <td>{l.request_id === d.request_id ? 'this one' : <a href={`/audit/requests/${l.request_id}`}><code>{l.request_id?.slice(0, 12)}…</code></a>}</td>
                      <td><Breakable text={`${l.method ?? ''} ${l.path ?? ''}`} /></td>
                      <td>{l.status}</td>
                      <td>{l.duration_ms != null ? `${l.duration_ms} ms` : ''}</td>
                      <td>{l.actor ?? ''}</td>
                      <td class="details">{l.error ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </section>
        </>
      )}
    </Page>
  );
}
