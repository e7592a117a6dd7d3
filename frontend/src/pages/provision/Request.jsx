// A request: what was asked (template version, environment, owner, lifetime, parameters), its
// state and the decisions so far; its requester may cancel it while it waits, an approver may
// approve or reject it here as from the inbox; once approved, the resource it made.
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { Done } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';
import { DecisionDialog } from './Approvals.jsx';
import { StateBadge, TemplateRef, resourceName } from './bits.jsx';
import { approvalsText } from './Lists.jsx';
import { ParameterList } from './Resource.jsx';
import { ownerText, resourceHref, stateText } from './shared.js';
import { MaybeLink } from '../../components/MaybeLink.jsx';

export function Request({ params }) {
  const session = useSession();
  const req = useApi(`/provision/requests/${encodeURIComponent(params.id)}`);
  const [status, setStatus] = useState('');
  const [deciding, setDeciding] = useState(null);
  const cancel = useConfirmation(async (q) => {
    const answer = await api(`/provision/requests/${q.id}/cancel`, { method: 'POST' });
    setStatus(`Request ${q.id} is cancelled.`);
    req.reload();
    return answer ?? {};
  });

  if (req.problem) {
    return (
      <Page title={req.problem.status === 404 ? 'Request not found' : 'Request'}>
        <ProblemAlert problem={req.problem} />
        <p><a href="/resources/requests">Back to my requests</a></p>
      </Page>
    );
  }
  if (!req.data) return <p role="status">Loading the request…</p>;
  const q = req.data;
  const pending = q.state === 'pending_approval';
  const mine = q.requester === session.user.username;
  const decisions = Array.isArray(q.approvals) ? q.approvals : [];
  return (
    <Page title={resourceName(q, 'Request')}>
      <p class="entity-ref"><span class="badge">request {q.id}</span> <StateBadge state={q.state} /> <TemplateRef name={q.template} version={q.version} /> in {q.environment}</p>
      <Done>{status}</Done>
      {pending && <p class="notice">Waiting for approval: {approvalsText(q)}{q.approval_role && ` by a ${q.approval_role}`}.</p>}
      {q.resource_id && <p class="notice">It made <MaybeLink href={resourceHref(q.resource_id)} needs="provision.resource.read">resource {q.resource_id}</MaybeLink>{q.name && <> ({q.name})</>}.</p>}
      <section aria-labelledby="request-facts-h">
        <h2 id="request-facts-h">Overview</h2>
        <dl class="facts">
          <dt>State</dt><dd>{stateText(q.state)}</dd>
          <dt>Template</dt><dd><TemplateRef name={q.template} version={q.version} /></dd>
          <dt>Environment</dt><dd>{q.environment}</dd>
          <dt>Owner</dt><dd>{ownerText(q)}</dd>
          <dt>Requester</dt><dd>{q.requester}</dd>
          {q.ttl_days && <><dt>Lifetime</dt><dd>{q.ttl_days} days</dd></>}
          <dt>Made</dt><dd><Time at={q.created_at} /></dd>
        </dl>
      </section>
      <section aria-labelledby="request-parameters-h">
        <h2 id="request-parameters-h">Parameters</h2>
        <ParameterList parameters={q.parameters} />
      </section>
      <section aria-labelledby="request-decisions-h">
        <h2 id="request-decisions-h">Decisions</h2>
        {decisions.length === 0 ? <p>None yet.</p> : (
          <Table label="Decisions on the request">
            <thead><tr><th scope="col">Who</th><th scope="col">Decision</th><th scope="col">Comment</th><th scope="col">When</th></tr></thead>
            <tbody>
              {decisions.map((a, i) => (
                <tr key={i}>
                  <td>{a.approver}</td><td>{stateText(a.decision)}</td><td>{a.comment || '—'}</td>
                  <td><Time at={a.created_at} /></td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>
      {pending && (
        <div class="actions request-actions">
          {!mine && session.can('provision.request.approve') && (
            <>
              <button type="button" class="primary" onClick={() => setDeciding('approve')}>Approve</button>
              <button type="button" class="danger" onClick={() => setDeciding('reject')}>Reject</button>
            </>
          )}
          {mine && <button type="button" class="danger" onClick={() => cancel.ask(q)}>Cancel the request</button>}
        </div>
      )}
      {deciding && (
        <DecisionDialog request={q} verb={deciding} onClose={() => setDeciding(null)}
                        onDone={(text) => { setStatus(text); setDeciding(null); req.reload(); }} />
      )}
      {cancel.subject && (
        <ConfirmDialog confirmation={cancel} title={`Cancel request ${q.id}?`} confirm="Cancel the request">
          <p>Nothing is provisioned for it, and it can no longer be approved.</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
