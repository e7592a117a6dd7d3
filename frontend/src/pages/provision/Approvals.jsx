// The approvals inbox: pending requests the user may decide (they hold the role on the team, did
// not make the request and have not decided yet), each approved (a comment if they like) or
// rejected (a comment is required). The server's refusal (403 self-approval, 409 decided
// already) appears in the dialog.
import { useId, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction } from '../../hooks.js';
import { Dialog } from '../../components/Dialog.jsx';
import { Done } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { sentence } from '../../format.js';
import { RequestTable } from './Lists.jsx';
import { useKeysetList } from './shared.js';

export function Approvals() {
  const { first, items, cursor, loadMore, rows } = useKeysetList('/provision/approvals', {}, 'requests');
  const [deciding, setDeciding] = useState(null);
  const [status, setStatus] = useState('');
  return (
    <Page title="Approvals" intro="Requests waiting for your decision: you hold the role their template asks for on the team that would own them. Your own requests are never here.">
      <Done>{status}</Done>
      <ProblemAlert problem={first.problem} />
      {first.loading && !first.data && <p role="status">Loading the requests waiting for you…</p>}
      {first.data && (items.length === 0 ? <p class="notice">Nothing is waiting for your approval.</p> : (
        <RequestTable label="Requests waiting for approval" items={items} rows={rows} requester
                      actions={(q) => (
                        <div class="row-actions">
                          <button type="button" class="primary" onClick={() => setDeciding({ q, verb: 'approve' })}>Approve<span class="visually-hidden"> request {q.id}</span></button>
                          <button type="button" class="danger" onClick={() => setDeciding({ q, verb: 'reject' })}>Reject<span class="visually-hidden"> request {q.id}</span></button>
                        </div>
                      )} />
      ))}
      <ProblemAlert problem={loadMore.problem} />
      {cursor && <div class="actions"><button type="button" onClick={() => loadMore.run()} disabled={loadMore.busy}>More</button></div>}
      {deciding && (
        <DecisionDialog request={deciding.q} verb={deciding.verb} onClose={() => setDeciding(null)}
                        onDone={(text) => { setStatus(text); setDeciding(null); first.reload(); }} />
      )}
    </Page>
  );
}

/** Approve or reject one request, with a comment (required to reject). onDone(message). */
export function DecisionDialog({ request, verb, onClose, onDone }) {
  const id = useId();
  const [comment, setComment] = useState('');
  const [missing, setMissing] = useState(false);
  const decide = useAction(async (body) => api(`/provision/requests/${request.id}/${verb}`, { method: 'POST', body }));
  const reject = verb === 'reject';
  async function onSubmit(e) {
    e.preventDefault();
    if (reject && !comment.trim()) {
      setMissing(true);
      e.currentTarget.querySelector('textarea').focus();
      return;
    }
    setMissing(false);
    const answer = await decide.run({ comment: comment.trim() });
    if (answer === undefined) return;
    if (reject) onDone(`Request ${request.id} is rejected.`);
    else if (answer?.state === 'approved') onDone(`Request ${request.id} is approved: provisioning has started.`);
    else onDone(`Your approval of request ${request.id} is recorded${answer?.approvals !== undefined && answer?.approvals_needed ? ` (${answer.approvals} of ${answer.approvals_needed})` : ''}.`);
  }
  const error = missing ? 'A reason is required to reject a request.' : decide.problem?.fieldErrors?.comment;
  return (
    <Dialog title={`${reject ? 'Reject' : 'Approve'} request ${request.id}?`} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate>
        <p>{request.name && <><strong>{request.name}</strong>: </>}{request.template}@{request.version} in {request.environment}{request.requester && `, requested by ${request.requester}`}.</p>
        <div class="field">
          <label for={`${id}-comment`}>{reject ? 'Why (required)' : 'Comment (optional)'}</label>
          <textarea id={`${id}-comment`} rows={3} value={comment} onInput={(e) => setComment(e.currentTarget.value)} maxLength={1000}
                    required={reject} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${id}-error` : undefined} />
          {error && <p class="field-error" id={`${id}-error`}>{sentence(error)}</p>}
        </div>
        <ProblemAlert problem={decide.problem} fields={['comment']} />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class={reject ? 'danger' : 'primary'} disabled={decide.busy}>{reject ? 'Reject' : 'Approve'}</button>
        </div>
      </form>
    </Dialog>
  );
}
