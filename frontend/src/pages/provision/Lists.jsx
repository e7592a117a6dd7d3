// "My resources" (what I requested, by name: state, template@version, environment, owner, expiry
// while it can expire; renew and delete) and "My requests" (state, approvals given of those needed), each filtered by state
// in the address and a page at a time (the API's keyset cursor behind "More").
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useSession } from '../../session.jsx';
import { Done, Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { localText } from '../../format.js';
import { Time } from '../../components/Time.jsx';
import { takeFlash } from '../secrets/paths.js';
import { DELETABLE, DeleteDialog, LIVE, RenewDialog, useDelete } from './Actions.jsx';
import { Expiry, StateBadge, TemplateRef, resourceName } from './bits.jsx';
import { ownerText, requestHref, resourceHref, stateText, useKeysetList } from './shared.js';
import { Breakable } from '../../components/Breakable.jsx';
import { MaybeLink } from '../../components/MaybeLink.jsx';

const RESOURCE_STATES = ['', 'provisioning', 'ready', 'failed', 'deprovisioning', 'deprovisioned', 'deprovision_failed'];
const REQUEST_STATES = ['', 'pending_approval', 'approved', 'rejected', 'cancelled'];

const stateOptions = (states) => states.map((s) => [s, s ? stateText(s) : '(any)']);

function hrefWith(base, filters) {
  const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
  return params ? `${base}?${params}` : base;
}

export function MyResources() {
  const session = useSession();
  const { query, route } = useLocation();
  const filters = { mine: 'true', state: query.state ?? '' };
  const { first, items, cursor, loadMore, rows } = useKeysetList('/provision/resources', filters, 'resources');
  const [status, setStatus] = useState(takeFlash);
  const [renewing, setRenewing] = useState(null);
  const remove = useDelete((r) => {
    setStatus(`${resourceName(r)} is being deprovisioned.`);
    first.reload();
  });

  return (
    <Page title="My resources" intro="What you have requested from templates, with its state and when it expires. Renew what you still need before it expires; delete what you do not.">
      <Done>{status}</Done>
      <form class="secrets-filter" aria-label="Filter my resources" onSubmit={(e) => e.preventDefault()}>
        <Field label="State" name="state" options={stateOptions(RESOURCE_STATES)} value={filters.state}
               onChange={(e) => route(hrefWith('/resources', { state: e.currentTarget.value }))} problem={first.problem} />
      </form>
      <ProblemAlert problem={first.problem} fields={['state']} />
      {first.loading && !first.data && <p role="status">Loading your resources…</p>}
      {first.data && (items.length === 0 ? (
        <p class="notice">
          {filters.state ? `You have no resource in the state ${stateText(filters.state)}.` : 'You have no resources yet.'}
          {session.can('templates.template.read') && <> <a href="/templates">Find a template</a> to request one.</>}
        </p>
      ) : (
        <Table label="My resources">
          <thead>
            <tr><th scope="col">Resource</th><th scope="col">State</th><th scope="col">Template</th><th scope="col">Environment</th>
              <th scope="col">Owner</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody ref={rows}>
            {items.map((r) => (
              <tr key={r.id}>
                <td><a href={resourceHref(r.id)}>{resourceName(r)}</a><div class="hint">resource {r.id}</div></td>
                <td><StateBadge state={r.state} /></td>
                <td><TemplateRef name={r.template} version={r.version} /></td>
                <td>{r.environment}</td>
                <td><Breakable text={ownerText(r)} /></td>
                <td>{LIVE.has(r.state) ? <Expiry at={r.expires_at} /> : <span class="hint">—<span class="visually-hidden"> ({stateText(r.state)})</span></span>}</td>
                <td>
                  {(LIVE.has(r.state) || DELETABLE.has(r.state)) && (
                    <div class="row-actions">
                      {LIVE.has(r.state) && session.can('provision.resource.renew') && (
                        <button type="button" onClick={() => setRenewing(r)}>Renew<span class="visually-hidden"> {resourceName(r)}</span></button>
                      )}
                      {DELETABLE.has(r.state) && session.can('provision.resource.delete') && (
                        <button type="button" class="danger" onClick={() => remove.ask(r)}>Delete<span class="visually-hidden"> {resourceName(r)}</span></button>
                      )}
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      ))}
      <p role="status" class="results-count">{items.length > 0 && `Showing ${items.length} ${items.length === 1 ? 'resource' : 'resources'}${cursor ? '; there are more' : ''}.`}</p>
      <ProblemAlert problem={loadMore.problem} />
      {cursor && <div class="actions"><button type="button" onClick={() => loadMore.run()} disabled={loadMore.busy}>More</button></div>}
      {renewing && (
        <RenewDialog resource={renewing} onClose={() => setRenewing(null)}
                     onDone={(a) => {
                       setStatus(`${resourceName(renewing)} is renewed${a.expires_at ? ` until ${localText(a.expires_at)}` : ''}.`);
                       setRenewing(null);
                       first.reload();
                     }} />
      )}
      {remove.subject && <DeleteDialog confirmation={remove} />}
    </Page>
  );
}

export function MyRequests() {
  const { query, route } = useLocation();
  const filters = { mine: 'true', state: query.state ?? '' };
  const { first, items, cursor, loadMore, rows } = useKeysetList('/provision/requests', filters, 'requests');
  return (
    <Page title="My requests" intro="What you have asked for: requests waiting for approval, and what became of the others.">
      <form class="secrets-filter" aria-label="Filter my requests" onSubmit={(e) => e.preventDefault()}>
        <Field label="State" name="state" options={stateOptions(REQUEST_STATES)} value={filters.state}
               onChange={(e) => route(hrefWith('/resources/requests', { state: e.currentTarget.value }))} problem={first.problem} />
      </form>
      <ProblemAlert problem={first.problem} fields={['state']} />
      {first.loading && !first.data && <p role="status">Loading your requests…</p>}
      {first.data && (items.length === 0 ? (
        <p class="notice">{filters.state ? `You have no request in the state ${stateText(filters.state)}.` : 'You have made no requests yet.'}</p>
      ) : (
        <RequestTable label="My requests" items={items} rows={rows} />
      ))}
      <p role="status" class="results-count">{items.length > 0 && `Showing ${items.length} ${items.length === 1 ? 'request' : 'requests'}${cursor ? '; there are more' : ''}.`}</p>
      <ProblemAlert problem={loadMore.problem} />
      {cursor && <div class="actions"><button type="button" onClick={() => loadMore.run()} disabled={loadMore.busy}>More</button></div>}
    </Page>
  );
}

/** Requests as a table; `actions(request)` adds a last column (the approvals inbox's buttons). */
export function RequestTable({ label, items, rows, actions, requester = false }) {
  return (
    <Table label={label}>
      <thead>
        <tr><th scope="col">Request</th><th scope="col">State</th><th scope="col">Template</th><th scope="col">Environment</th>
          <th scope="col">Owner</th>{requester && <th scope="col">Requester</th>}<th scope="col">Approvals</th><th scope="col">Made</th>
          {actions && <th scope="col"><span class="visually-hidden">Actions</span></th>}</tr>
      </thead>
      <tbody ref={rows}>
        {items.map((q) => (
          <tr key={q.id}>
            <td>
              <a href={requestHref(q.id)}>{resourceName(q, 'Request')}</a>
              <div class="hint">request {q.id}{q.resource_id && <> · <MaybeLink href={resourceHref(q.resource_id)} needs="provision.resource.read">resource {q.resource_id}</MaybeLink></>}</div>
            </td>
            <td><StateBadge state={q.state} /></td>
            <td><TemplateRef name={q.template} version={q.version} /></td>
            <td>{q.environment}</td>
            <td><Breakable text={ownerText(q)} /></td>
            {requester && <td>{q.requester}</td>}
            <td class="nowrap">{approvalsText(q)}</td>
            <td><Time at={q.created_at} /></td>
            {actions && <td>{actions(q)}</td>}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** "1 of 2" approvals, or "none needed". */
export function approvalsText(q) {
  const given = Array.isArray(q.approvals) ? q.approvals.filter((a) => a.decision === 'approve' || a.decision === 'approved').length : q.approvals ?? 0;
  if (!q.approvals_needed) return 'none needed';
  return `${given} of ${q.approvals_needed}`;
}
