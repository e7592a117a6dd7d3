// A team's delivery dashboard: its DORA figures over 7, 30 or 90 days in an environment, and
// two charts by day — deployments (and the failed ones), pipeline runs (and the failed ones) —
// drawn by uPlot, which only this page loads. The team is one of mine (?team= picks it).
import { useLocation } from 'preact-iso';
import { useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Page } from '../../components/Page.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { DailyChart } from './Chart.jsx';
import { DoraFacts } from './dora.jsx';

/** Every day of the window, oldest first, with the answer's counts (0 where it has no row). */
function everyDay(daily, days) {
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const out = [];
  const today = new Date();
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i)).toISOString().slice(0, 10);
    out.push(byDay.get(d) ?? { day: d, deployments: 0, failed_deployments: 0, runs: 0, failed_runs: 0 });
  }
  return out;
}

export function Dashboard() {
  const session = useSession();
  const { query, route, path } = useLocation();
  const teams = session.teams ?? [];
  const team = query.team || teams[0] || '';
  const days = ['7', '30', '90'].includes(query.days) ? query.days : '30';
  const environment = query.environment || 'production';
  const scope = team ? { team, days, environment } : null;
  const dora = useApi(scope ? '/cicd/dora' : null, scope);
  const daily = useApi(scope ? '/cicd/dora/daily' : null, scope);
  const pick = (change) => route(`${path}?${new URLSearchParams({ team, days, environment, ...change })}`);
  const rows = daily.data ? everyDay(daily.data.daily, Number(days)) : [];
  return (
    <Page title="Delivery" intro="How your team ships: deployment frequency, lead time for changes, change failure rate and time to restore (the DORA metrics), and the pipelines behind them.">
      {teams.length === 0 && <p class="notice">You are in no team yet: the dashboard shows a team's figures. An administrator can add you to yours.</p>}
      {teams.length > 0 && (
        <form class="inline-form" aria-label="What to show" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="dash-team">Team</label>
            <select id="dash-team" value={team} onChange={(e) => pick({ team: e.currentTarget.value })}>
              {teams.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="dash-days">Over</label>
            <select id="dash-days" value={days} onChange={(e) => pick({ days: e.currentTarget.value })}>
              <option value="7">7 days</option><option value="30">30 days</option><option value="90">90 days</option>
            </select>
          </div>
          <div class="field">
            <label for="dash-env">Environment</label>
            <input id="dash-env" value={environment} maxLength={63} pattern="[a-z0-9\-]+"
                   onChange={(e) => e.currentTarget.value && pick({ environment: e.currentTarget.value })} />
          </div>
        </form>
      )}
      <ProblemAlert problem={dora.problem ?? daily.problem} />
      {dora.data && (
        <section aria-labelledby="dash-figures-h">
          <h2 id="dash-figures-h">{team}, the last {days} days in {environment}</h2>
          <DoraFacts d={dora.data} />
        </section>
      )}
      {daily.data && (
        <section aria-labelledby="dash-charts-h">
          <h2 id="dash-charts-h">By day</h2>
          {rows.every((r) => !r.deployments && !r.failed_deployments && !r.runs) && (
            <p class="notice">Nothing was reported in these days: connect the team's services to their CI/CD providers from their catalog pages.</p>
          )}
          <DailyChart label="Deployments a day" days={rows.map((r) => r.day)}
                      series={[{ label: 'Succeeded', values: rows.map((r) => r.deployments), color: '#2f7d32' },
                               { label: 'Failed', values: rows.map((r) => r.failed_deployments), color: '#c62828' }]} />
          <DailyChart label="Pipeline runs a day" days={rows.map((r) => r.day)}
                      series={[{ label: 'Runs', values: rows.map((r) => r.runs), color: '#1565c0' },
                               { label: 'Failed', values: rows.map((r) => r.failed_runs), color: '#c62828' }]} />
        </section>
      )}
    </Page>
  );
}
