// A deploy asked from Portico: what, where, by whom and why; the gates it met (or the override);
// its approvals; and what the runner and the provider made of it. Whoever may approve it sees
// Approve and Reject (a rejection says why); its requester or an approver may cancel it while it
// waits. The page reads it again every few seconds while it is on its way.
import { useEffect, useId, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Done } from '../../components/forms.jsx';
import { Page } from '../../components/Page.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Time } from '../../components/Time.jsx';
import { entityHref } from '../catalog/refs.js';
import { DEPLOY_LIVE, deployState, short } from './dora.jsx';

export function Deploy({ id }) {
  const session = useSession();
  const deploy = useApi(`/cicd/deploys/${id}`);
  const d = deploy.data;
  const [status, setStatus] = useState('');
  const live = d && DEPLOY_LIVE.has(d.state);
  useEffect(() => {
    if (!live) return undefined;
    const t = setInterval(deploy.reload, 3000);
    return () => clearInterval(t);
  }, [live]);
  const mine = d && d.requester === session.user.username;
  const decidable = d && d.state === 'pending_approval' && !mine && session.can('cicd.deploy.approve');
  const cancellable = d && ['pending_approval', 'queued'].includes(d.state) && (mine || session.can('cicd.deploy.approve'));
  const cancel = useAction(() => api(`/cicd/deploys/${id}/cancel`, { method: 'POST' }));
  return (
    <Page title={d ? `${d.rollback_of ? 'Rollback' : 'Deploy'} ${d.version} to ${d.environment}` : `Deploy ${id}`}>
      <Done>{status}</Done>
      <ProblemAlert problem={deploy.problem} />
      {d && (
        <>
          <p class={`deploy-state ${d.state}`} role="status"><strong>{deployState(d.state)}</strong>
            {d.error && <>: {d.error}</>}</p>
          <dl class="facts">
            <dt>Service</dt><dd><a href={entityHref(d.entity)}>{d.entity}</a> ({d.team})</dd>
            <dt>Version</dt><dd><code>{d.version}</code>{d.commit && <> at <code>{short(d.commit)}</code></>}</dd>
            <dt>Environment</dt><dd>{d.environment}</dd>
            <dt>Asked by</dt><dd>{d.requester}, <Time at={d.created_at} relative />{d.reason && <>: “{d.reason}”</>}</dd>
            {d.rollback_of && <><dt>Rolls back</dt><dd>deployment {d.rollback_of}</dd></>}
            <dt>Through</dt><dd>{d.provider}{d.provider_ref && <>: {d.provider_ref}</>}</dd>
          </dl>
          <section aria-labelledby="gates-h">
            <h2 id="gates-h">Gates</h2>
            {d.gates.length === 0 ? <p>A rollback passes no gate: it restores what ran before.</p> : (
              <ul class="gates">
                {d.gates.map((g) => (
                  <li key={g.gate} class={g.passed ? 'passed' : 'failed'}>
                    <strong>{g.gate === 'findings' ? 'Security findings' : 'Tests'}</strong>: {g.passed ? 'passed' : 'failed'} — {g.detail}
                  </li>
                ))}
              </ul>
            )}
            {d.override_by && <p class="notice">{d.override_by} overrode the gates: “{d.override_reason}”.</p>}
          </section>
          <section aria-labelledby="approvals-h">
            <h2 id="approvals-h">Approvals</h2>
            {d.approvals_needed === 0 ? <p>{d.environment} needs no approval.</p> : (
              <p>{d.approvals_needed} needed from a {d.approval_role} of the service; {d.approvals.filter((a) => a.decision === 'approve').length} so far.</p>
            )}
            {d.approvals.length > 0 && (
              <ul>
                {d.approvals.map((a) => (
                  <li key={a.approver}>{a.approver} {a.decision === 'approve' ? 'approved' : 'rejected'} <Time at={a.created_at} relative />{a.comment && <>: “{a.comment}”</>}</li>
                ))}
              </ul>
            )}
            {decidable && <Decide id={id} onDone={(text) => { setStatus(text); deploy.reload(); }} />}
            {mine && d.state === 'pending_approval' && <p class="hint">Someone else approves your own deploys.</p>}
          </section>
          {cancellable && (
            <div class="actions">
              <button type="button" class="danger" disabled={cancel.busy}
                      onClick={async () => { if (await cancel.run()) { setStatus('The deploy is cancelled.'); deploy.reload(); } }}>
                Cancel the deploy
              </button>
            </div>
          )}
          <ProblemAlert problem={cancel.problem} />
        </>
      )}
    </Page>
  );
}

function Decide({ id, onDone }) {
  const uid = useId();
  const [comment, setComment] = useState('');
  const decide = useAction((decision) => api(`/cicd/deploys/${id}/approve`, { method: 'POST', body: { decision, comment: comment.trim() } }));
  async function go(decision) {
    const answer = await decide.run(decision);
    if (answer) onDone(decision === 'approve' ? `Your approval is recorded: the deploy is ${deployState(answer.state)}.` : 'The deploy is rejected.');
  }
  return (
    <form class="decide" aria-label="Decide on the deploy" onSubmit={(e) => e.preventDefault()}>
      <div class="field">
        <label for={`${uid}-c`}>Comment (required to reject)</label>
        <textarea id={`${uid}-c`} rows={2} maxLength={2000} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      </div>
      <ProblemAlert problem={decide.problem} fields={['comment']} />
      <div class="actions">
        <button type="button" class="primary" disabled={decide.busy} onClick={() => go('approve')}>Approve</button>
        <button type="button" class="danger" disabled={decide.busy} onClick={() => go('reject')}>Reject</button>
      </div>
    </form>
  );
}
