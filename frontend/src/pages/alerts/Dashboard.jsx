// A service's dashboard (/alerts/dashboard?entity=<ref>): its health checks with their recent
// results, its latest deployments, and the reader's own panels of its metrics from the platform's
// Prometheus (GET /monitor/query_range, scoped to the service's series), which they add, move and
// remove (PUT /monitor/dashboards: each person's own arrangement).
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, Problem } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { Page } from '../../components/Page.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';
import { Field, formValues } from '../../components/forms.jsx';
import { entityHref } from '../catalog/refs.js';
import { healthClass } from '../catalog/HealthChecks.jsx';

const RANGES = [['3600', 'the last hour'], ['21600', 'the last 6 hours'], ['86400', 'the last day'], ['604800', 'the last week']];
const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#0a7b83'];

/* The save's problem with the new panel's fields (panels.<n>.query, as Problem keys them) named as the form names them. */
function newPanelProblem(problem, n) {
  if (!problem?.fieldErrors) return problem;
  const prefix = `panels.${n}.`;
  const own = Object.entries(problem.fieldErrors).filter(([k]) => k.startsWith(prefix)).map(([k, m]) => [k.slice(prefix.length), m]);
  return own.length ? Object.assign(Problem.fields(Object.fromEntries(own)), { detail: problem.detail }) : problem;
}

export function Dashboard() {
  const { query } = useLocation();
  const entity = query.entity ?? '';
  const board = useApi('/monitor/dashboards', { entity });
  const [range, setRange] = useState('3600');
  const [panels, setPanels] = useState(null);
  const [adding, setAdding] = useState(false);
  const save = useAction(async (list) => api('/monitor/dashboards', { method: 'PUT', query: { entity }, body: { panels: list } }));
  useEffect(() => { if (board.data) setPanels(board.data.panels); }, [board.data]);

  async function store(list) {
    const answer = await save.run(list);
    if (answer) setPanels(answer.panels);
    return answer;
  }
  function move(i, by) {
    const list = [...panels];
    const [p] = list.splice(i, 1);
    list.splice(i + by, 0, p);
    store(list);
  }
  async function onAdd(e) {
    e.preventDefault();
    const v = formValues(e);
    const panel = { title: v.title, query: v.query };
    if (v.unit && v.unit !== 'none') panel.unit = v.unit;
    if (await store([...(panels ?? []), panel])) setAdding(false);
  }

  return (
    <Page title={`Dashboard of ${entity}`} intro="Its health, its deployments, and your own panels of its metrics.">
      <p><a href={entityHref(entity) ?? '/catalog'}>Back to {entity}</a></p>
      <ProblemAlert problem={board.problem} />
      {board.data && <HealthHistory entity={entity} />}
      {board.data && <Deploys entity={entity} />}
      {board.data && (
        <section aria-labelledby="panels-h">
          <h2 id="panels-h">Panels</h2>
          {!board.data.prometheus && <p>This platform has no Prometheus configured: panels cannot be drawn.</p>}
          <Field label="Time range" name="range" options={RANGES} value={range} onChange={(e) => setRange(e.currentTarget.value)} />
          {panels && panels.length === 0 && <p>No panels yet. Add one with a PromQL query: it reads only this service's series.</p>}
          <ProblemAlert problem={save.problem} />
          <div class="panels">
            {(panels ?? []).map((p, i) => (
              <Panel key={`${i}-${p.title}-${p.query}`} entity={entity} panel={p} range={Number(range)}
                first={i === 0} last={i === panels.length - 1} busy={save.busy}
                onUp={() => move(i, -1)} onDown={() => move(i, 1)}
                onRemove={() => store(panels.filter((_, k) => k !== i))} />
            ))}
          </div>
          {!adding && <button type="button" onClick={() => { save.clear(); setAdding(true); }}>Add a panel</button>}
          {adding && (
            <form aria-label="Add a panel" onSubmit={onAdd} noValidate>
              <Field label="Title" name="title" required maxLength={100} problem={newPanelProblem(save.problem, panels?.length ?? 0)} />
              <Field label="PromQL query" name="query" required maxLength={2000} problem={newPanelProblem(save.problem, panels?.length ?? 0)}
                hint='Every selector is limited to this service, e.g. sum(rate(http_requests_total[5m])) by (code)' />
              <Field label="Unit" name="unit" options={['none', 'seconds', 'bytes', 'percent', 'requests']} />
              <button type="submit" disabled={save.busy}>Add the panel</button>{' '}
              <button type="button" onClick={() => setAdding(false)}>Cancel</button>
            </form>
          )}
        </section>
      )}
    </Page>
  );
}

function HealthHistory({ entity }) {
  const checks = useApi('/health/checks', { entity });
  const list = checks.data?.checks ?? [];
  return (
    <section aria-labelledby="dh-health-h">
      <h2 id="dh-health-h">Health</h2>
      <ProblemAlert problem={checks.problem} />
      {checks.data && list.length === 0 && <p>No health checks.</p>}
      {list.length > 0 && (
        <Table label="Health checks and their recent results">
          <thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col">Recent results, newest last</th></tr></thead>
          <tbody>{list.map((c) => <tr key={c.id}><td>{c.name}</td><td><span class={healthClass(c.status)}>{c.status}</span></td>
            <td><Results id={c.id} /></td></tr>)}</tbody>
        </Table>
      )}
    </section>
  );
}

function Results({ id }) {
  const h = useApi(`/health/checks/${id}/history`, { limit: '30' });
  const rows = [...(h.data?.results ?? [])].reverse();
  if (!h.data) return null;
  if (rows.length === 0) return <span>none yet</span>;
  const counts = rows.reduce((m, r) => ({ ...m, [r.result]: (m[r.result] ?? 0) + 1 }), {});
  return (
    <span class="results" role="img" aria-label={Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}>
      {rows.map((r) => <span key={r.id} class={`result ${r.result}`} title={`${r.at}: ${r.output}`} />)}
    </span>
  );
}

function Deploys({ entity }) {
  const list = useApi('/cicd/deployments', { entity, limit: '10' });
  const rows = list.data?.deployments ?? [];
  if (list.problem?.status === 403) return null;
  return (
    <section aria-labelledby="dh-deploys-h">
      <h2 id="dh-deploys-h">Deployments</h2>
      <ProblemAlert problem={list.problem} />
      {list.data && rows.length === 0 && <p>No deployment has been reported yet.</p>}
      {rows.length > 0 && (
        <Table label="Latest deployments">
          <thead><tr><th scope="col">Environment</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Finished</th></tr></thead>
          <tbody>{rows.map((d) => <tr key={d.id}><td>{d.environment}</td><td><code>{d.version}</code></td><td>{d.status}</td>
            <td>{d.finished_at ? <Time at={d.finished_at} relative /> : '—'}</td></tr>)}</tbody>
        </Table>
      )}
    </section>
  );
}

function fmt(v, unit) {
  if (!Number.isFinite(v)) return '—';
  if (unit === 'percent') return `${(v * 100).toFixed(1)}%`;
  if (unit === 'bytes') return v >= 1048576 ? `${(v / 1048576).toFixed(1)} MiB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${v} B`;
  if (unit === 'seconds') return v < 1 ? `${(v * 1000).toFixed(0)} ms` : `${v.toFixed(2)} s`;
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function Panel({ entity, panel, range, first, last, busy, onUp, onDown, onRemove }) {
  const [end] = useState(() => Math.floor(Date.now() / 1000));
  const step = Math.max(15, Math.ceil(range / 300));
  const data = useApi('/monitor/query_range', { entity, query: panel.query, start: String(end - range), end: String(end), step: String(step) });
  const series = (data.data?.result ?? []).map((s) => ({ name: Object.entries(s.metric ?? {}).filter(([k]) => k !== 'portico_entity' && k !== '__name__').map(([k, v]) => `${k}=${v}`).join(', ') || panel.title,
    points: (s.values ?? []).map(([t, v]) => [Number(t), Number(v)]).filter(([, v]) => Number.isFinite(v)) }));
  const all = series.flatMap((s) => s.points);
  const lo = Math.min(0, ...all.map(([, v]) => v)), hi = Math.max(...all.map(([, v]) => v), lo + 1e-9);
  /* time from the first sample (a new series fills the width), values from 0 or below */
  const t0 = Math.min(end - 1, ...all.map(([t]) => t));
  const x = (t) => ((t - t0) / (end - t0)) * 600, y = (v) => 160 - ((v - lo) / (hi - lo)) * 150;
  return (
    <section class="panel" aria-label={`Panel ${panel.title}`}>
      <h3>{panel.title}</h3>
      <p class="hint"><code>{panel.query}</code></p>
      <ProblemAlert problem={data.problem} />
      {data.loading && <p role="status">Loading…</p>}
      {data.data && series.length === 0 && <p>No series for this service in this range.</p>}
      {series.length > 0 && (
        <>
          <svg viewBox="0 0 600 170" role="img" aria-label={`${panel.title}: ${series.length} series, latest ${fmt(series[0].points.at(-1)?.[1], panel.unit)}`} class="chart">
            <line x1="0" y1="160" x2="600" y2="160" class="axis" />
            {series.map((s, i) => (
              <polyline key={s.name} fill="none" stroke={COLORS[i % COLORS.length]} stroke-width="2"
                points={s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')} />
            ))}
            {/* the latest point of each, marked: a series a few samples old is otherwise a speck at the edge */}
            {series.map((s, i) => {
              if (!s.points.length) return null;
              const [t, v] = s.points.at(-1);
              return <circle key={`${s.name}-latest`} cx={Math.min(x(t), 596).toFixed(1)} cy={y(v).toFixed(1)} r="4" fill={COLORS[i % COLORS.length]} />;
            })}
          </svg>
          <ul class="legend">
            {series.map((s, i) => <li key={s.name}><span style={{ color: COLORS[i % COLORS.length] }}>■</span> {s.name}: {fmt(s.points.at(-1)?.[1], panel.unit)}</li>)}
          </ul>
          {data.data.truncated && <p>Only the first 50 series are drawn.</p>}
          <p class="hint">From {fmt(lo, panel.unit)} to {fmt(hi, panel.unit)}, since <Time at={new Date(t0 * 1000).toISOString()} relative />.</p>
        </>
      )}
      <p>
        <button type="button" class="small" disabled={busy || first} onClick={onUp}>Move up<span class="visually-hidden"> {panel.title}</span></button>{' '}
        <button type="button" class="small" disabled={busy || last} onClick={onDown}>Move down<span class="visually-hidden"> {panel.title}</span></button>{' '}
        <button type="button" class="small danger" disabled={busy} onClick={onRemove}>Remove<span class="visually-hidden"> {panel.title}</span></button>
      </p>
    </section>
  );
}
