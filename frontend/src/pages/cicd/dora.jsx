// What the CI/CD pages share: the DORA figures as a list of facts, durations and rates in words,
// a deploy's state in words, and links to the area's pages.
export const short = (sha) => (sha ? sha.slice(0, 10) : '');

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return 'not measured';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

export const percent = (r) => (r === null || r === undefined ? 'not measured' : `${Math.round(r * 1000) / 10}%`);

export const deployHref = (id) => `/cicd/deploys/${id}`;
export const integrationHref = (id) => `/cicd/integrations/${id}`;

const STATES = {
  pending_approval: 'waiting for approval', queued: 'waiting for the runner', triggering: 'being triggered',
  triggered: 'running at the provider', succeeded: 'succeeded', failed: 'failed', rejected: 'rejected',
  cancelled: 'cancelled',
};
export const deployState = (s) => STATES[s] ?? s;
export const DEPLOY_LIVE = new Set(['pending_approval', 'queued', 'triggering', 'triggered']);

/** The DORA figures of one answer of GET /cicd/dora. */
export function DoraFacts({ d }) {
  return (
    <dl class="facts dora">
      <dt>Deployments</dt><dd>{d.deployments} ({(d.deployment_frequency_per_day).toFixed(2)} a day)</dd>
      <dt>Lead time for changes</dt>
      <dd>{d.lead_time_seconds.measured ? `${duration(d.lead_time_seconds.median)} median, ${duration(d.lead_time_seconds.p90)} p90` : 'not measured (no commit times yet)'}</dd>
      <dt>Change failure rate</dt><dd>{percent(d.change_failure_rate)} ({d.failures} of {d.changes})</dd>
      <dt>Time to restore</dt><dd>{d.time_to_restore_seconds.measured ? `${duration(d.time_to_restore_seconds.median)} median` : 'not measured'}</dd>
      <dt>Pipelines</dt>
      <dd>{d.pipelines.runs} runs, {percent(d.pipelines.failure_rate)} failed; {duration(d.pipelines.median_duration_seconds)} median</dd>
    </dl>
  );
}
