// The platform's own status (GET /system/status): the database, the runner's heartbeat, the
// queue and each area's processes, read again every 15 seconds while the page is open.
import { useEffect } from 'preact/hooks';
import { useApi } from '../hooks.js';
import { Page } from '../components/Page.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { Table } from '../components/Table.jsx';
import { Time } from '../components/Time.jsx';

const WORDS = {
  ok: 'Operational',
  degraded: 'Degraded',
  down: 'Down',
  stale: 'Not heard from',
  none: 'Never ran',
  unknown: 'Unknown',
  'schema-outdated': 'Schema behind this build',
};

function State({ value }) {
  const tone = value === 'ok' ? 'good' : value === 'degraded' || value === 'stale' ? 'warn' : 'bad';
  return <span class={`badge ${tone}`}>{WORDS[value] ?? value}</span>;
}

function seconds(s) {
  if (s == null) return '—';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.round(s / 60)} min`;
}

export function Status() {
  const { data, problem, loading, reload } = useApi('/system/status');
  useEffect(() => {
    const t = setInterval(reload, 15000);
    return () => clearInterval(t);
  }, [reload]);
  // a 503 still says what is known: the problem's body is the status
  const s = data ?? (problem?.raw?.database ? problem.raw : null);
  return (
    <Page title="Platform status" intro="Whether Portico itself is well: its database, the runner that does the long work, the queue of jobs, and the processes serving each area.">
      {loading && !s && <p role="status">Checking…</p>}
      {problem && !s && problem.status === 503 && <p class="status-line" role="status">Portico is <State value="down" /></p>}
      {problem && !s && <ProblemAlert problem={problem} />}
      {s && (
        <>
          <p class="status-line" role="status">Portico is <State value={s.status} /> <span class="hint">checked <Time at={s.checked_at} relative /></span></p>
          <section aria-labelledby="st-db">
            <h2 id="st-db">Database</h2>
            <dl class="facts">
              <dt>State</dt><dd><State value={s.database.status} /></dd>
              <dt>Round trip</dt><dd>{s.database.latency_ms == null ? '—' : `${s.database.latency_ms.toFixed(1)} ms`}</dd>
              <dt>Schema</dt><dd>migration {s.database.schema} (this build needs {s.database.schema_expected})</dd>
            </dl>
          </section>
          <section aria-labelledby="st-runner">
            <h2 id="st-runner">Runner</h2>
            <dl class="facts">
              <dt>State</dt><dd><State value={s.runner.status} /></dd>
              <dt>Hosts with a runner heard from (3 min)</dt><dd>{s.runner.alive}</dd>
              <dt>Last heard</dt><dd>{s.runner.last_seen_at ? <Time at={s.runner.last_seen_at} relative /> : '—'}</dd>
            </dl>
            {s.runner.status === 'stale' && <p class="warning">No runner has said it is alive for over 3 minutes: jobs and deploys wait until one runs (cron, or the portico-runner service).</p>}
            {s.runner.status === 'none' && <p class="warning">No runner has ever run here: start one (cron every minute, or the portico-runner service).</p>}
          </section>
          <section aria-labelledby="st-queue">
            <h2 id="st-queue">Queue</h2>
            <dl class="facts">
              <dt>Jobs queued</dt><dd>{s.queue.queued ?? '—'} ({s.queue.due ?? '—'} due now)</dd>
              <dt>Jobs running</dt><dd>{s.queue.running ?? '—'}{s.queue.expired ? ` (${s.queue.expired} whose runner stopped)` : ''}</dd>
              <dt>Oldest due job has waited</dt><dd>{seconds(s.queue.lag_seconds)}</dd>
              <dt>Deploys waiting</dt><dd>{s.queue.deploys_queued ?? '—'}</dd>
            </dl>
          </section>
          <section aria-labelledby="st-pools">
            <h2 id="st-pools">Areas</h2>
            {!s.pools_counted && <p class="hint">Processes are counted where metrics_dir is set.</p>}
            {s.pools_counted && (
              <Table label="Processes by area">
                <thead><tr><th scope="col">Area</th><th scope="col">Processes now</th></tr></thead>
                <tbody>
                  {s.pools.map((p) => <tr key={p.area}><td>{p.area}</td><td>{p.processes}</td></tr>)}
                </tbody>
              </Table>
            )}
          </section>
        </>
      )}
    </Page>
  );
}
