// The audit log: filters (kept in the address, so a filtered view can be linked), one page of
// events at a time newest first (the API's keyset cursor leads to older ones), and export of
// the page shown as CSV or JSON Lines.
import { useLocation } from 'preact-iso';
import { apiUrl } from '../api.js';
import { useApi } from '../hooks.js';
import { useSession } from '../session.jsx';
import { Field, formValues } from '../components/forms.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { Page } from '../components/Page.jsx';
import { localInputValue, utcFromLocalInput } from '../format.js';
import { Table } from '../components/Table.jsx';
import { Time } from '../components/Time.jsx';
import { Breakable } from '../components/Breakable.jsx';

const FILTERS = ['actor', 'action', 'target', 'outcome', 'since', 'until', 'limit'];
const OUTCOMES = [['', 'any'], 'success', 'failure', 'denied'];
const PAGE_SIZES = ['50', '200', '1000'];

// A page of the log: /audit?actor=...&cursor=... (empty values left out).
function auditHref(values) {
  const params = new URLSearchParams(Object.entries(values).filter(([, v]) => v)).toString();
  return params ? `/audit?${params}` : '/audit';
}

function detailsText(details) {
  if (!details) return '';
  return Object.entries(details).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
}

/** Audit events as a table (the log's page, one request's events): with their addresses and a
 * link to each event's request when `requests` is set. */
export function EventsTable({ events, label, requests = false }) {
  return (
    <Table label={label}>
      <thead>
        <tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th>
          <th scope="col">Target</th><th scope="col">Outcome</th>{requests && <th scope="col">Address</th>}<th scope="col">Details</th></tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <td><Time at={e.time} /></td>
            <td><Breakable text={e.actor_name ?? e.actor_id ?? e.actor_type} /></td>
            <td><Breakable text={e.action} /></td>
            <td>{e.target_type && <><Breakable text={e.target_type} /> <Breakable text={e.target_id ?? ''} /></>}</td>
            <td><span class={`outcome ${e.outcome}`}>{e.outcome}</span></td>
            {requests && <td>{e.remote_addr}</td>}
            <td class="details">{detailsText(e.details)}{requests && e.request_id && <> <a href={`/audit/requests/${e.request_id}`} aria-label={`What happened to request ${e.request_id}`}>request</a></>}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

export function Audit() {
  const session = useSession();
  const { query, route } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query[f] ?? '']));
  const page = { ...filters, cursor: query.cursor ?? '' };
  const events = useApi('/audit/events', page);

  function onSubmit(e) {
    e.preventDefault();
    const v = formValues(e);
    route(auditHref({ ...v, since: utcFromLocalInput(v.since), until: utcFromLocalInput(v.until) }));
  }

  if (events.problem?.status === 403) {
    return <Page title="Audit log"><ProblemAlert problem={events.problem} /></Page>;
  }
  return (
    <Page title="Audit log" intro="Every change, login and refusal, newest first.">
      <form class="filters" onSubmit={onSubmit} aria-label="Filter events" key={JSON.stringify(filters)}>
        <Field label="Actor" name="actor" defaultValue={filters.actor} hint="Username or user id" problem={events.problem} />
        <Field label="Action" name="action" defaultValue={filters.action} hint="e.g. auth.login" problem={events.problem} />
        <Field label="Target" name="target" defaultValue={filters.target} hint="Id or name of the target" problem={events.problem} />
        <Field label="Outcome" name="outcome" options={OUTCOMES} defaultValue={filters.outcome} problem={events.problem} />
        <Field label="Since" name="since" type="datetime-local" defaultValue={localInputValue(filters.since)} problem={events.problem} />
        <Field label="Until" name="until" type="datetime-local" defaultValue={localInputValue(filters.until)} problem={events.problem} />
        <Field label="Per page" name="limit" options={PAGE_SIZES} defaultValue={filters.limit || '50'} problem={events.problem} />
        <div class="actions">
          <button type="submit" class="primary">Show events</button>
          <a href="/audit">Clear filters</a>
        </div>
      </form>

      <form class="filters" aria-label="Find a request" onSubmit={(e) => { e.preventDefault(); const id = formValues(e).request.trim(); if (id) route(`/audit/requests/${encodeURIComponent(id)}`); }}>
        <Field label="Request id" name="request" hint="An X-Request-Id: its events, jobs, deploys and log lines" />
        <div class="actions"><button type="submit">Find the request</button></div>
      </form>

      <ProblemAlert problem={events.problem} fields={FILTERS} />
      {events.loading && <p role="status">Loading events…</p>}
      {events.data && (
        <section aria-labelledby="events-h">
          <h2 id="events-h">{query.cursor ? 'Older events' : 'Latest events'}</h2>
          {session.can('audit.event.export') && (
            <p class="actions">
              Export this page:
              <a href={apiUrl('/audit/events', { ...page, format: 'csv' })} download="audit.csv">CSV</a>
              <a href={apiUrl('/audit/events', { ...page, format: 'jsonl' })} download="audit.jsonl">JSON Lines</a>
            </p>
          )}
          {events.data.events.length === 0 ? <p>No events match these filters.</p> : (
            <EventsTable events={events.data.events} label="Audit events" requests />
          )}
          <p class="actions">
            {events.data.next_cursor && <a href={auditHref({ ...filters, cursor: events.data.next_cursor })}>Older events</a>}
            {query.cursor && <a href={auditHref(filters)}>Back to the newest</a>}
          </p>
        </section>
      )}
    </Page>
  );
}
