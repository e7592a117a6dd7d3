// The start page: my things. The services my teams own, the resources I requested with their
// expiry, the approvals waiting for me, my teams' failing pipelines and my deploys on their way
// (or waiting for my approval), my unread notifications and what happened lately to my things, each a few rows with a link to the whole list, and an empty one saying how to fill it;
// a section the person may not use is not shown. Then who I am (roles, teams) and the areas.
// Seven reads at most, each small: the lists' own routes and the audit area's activity.
import { visibleAreas } from '../areas.js';
import { useApi } from '../hooks.js';
import { useNoticesChanged } from '../notices.js';
import { useSession } from '../session.jsx';
import { ActivityList } from '../components/Activity.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { Page } from '../components/Page.jsx';
import { heldText } from '../format.js';
import { Time } from '../components/Time.jsx';
import { entityHref } from './catalog/refs.js';
import { portalLink } from '../links.js';
import { LIVE } from './provision/Actions.jsx';
import { Expiry, StateBadge, TemplateRef, resourceName } from './provision/bits.jsx';
import { ownerText, requestHref, resourceHref, stateText } from './provision/shared.js';
import { deployHref, deployState, short } from './cicd/dora.jsx';

const SHOWN = 5;

/** A section of Home: its heading, what it holds (or why it is empty), and a link to all of it. */
function Section({ id, title, answer, member, empty, more, children }) {
  const rows = answer.data?.[member] ?? [];
  return (
    <section class="home-section" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{title}</h2>
      <ProblemAlert problem={answer.problem} />
      {answer.loading && !answer.data && <p role="status" class="hint">Loading…</p>}
      {answer.data && (rows.length === 0 ? <div class="home-empty">{empty}</div> : children(rows))}
      {answer.data && rows.length > 0 && more && <p class="home-more">{more}</p>}
    </section>
  );
}

export function Home() {
  const session = useSession();
  const { user, teams, roles } = session;
  const catalog = session.can('catalog.entity.read');
  const provision = session.can('provision.resource.read');
  const approver = session.can('provision.request.approve');
  const templates = session.can('templates.template.read');
  // services: what names one of my teams as its owner (not the teams' own Groups in the catalog)
  const services = useApi(catalog && teams.length > 0 ? '/catalog/entities' : null, { mine: 'true', owned: 'true', limit: SHOWN });
  const resources = useApi(provision ? '/provision/resources' : null, { mine: 'true', limit: SHOWN });
  const approvals = useApi(approver ? '/provision/approvals' : null, { limit: SHOWN });
  const notices = useApi('/provision/notifications', { unread: 'true', limit: SHOWN });
  const activity = useApi('/audit/activity', { limit: 10 });
  const cicd = session.can('cicd.read');
  const failing = useApi(cicd ? '/cicd/failing' : null, { limit: SHOWN });
  const deploys = useApi(cicd ? '/cicd/deploys' : null, { pending: 'mine', limit: SHOWN });
  useNoticesChanged(notices.reload);
  const noTeams = { data: { items: [] }, problem: null, loading: false };

  return (
    <Page title={`Welcome, ${user.display_name || user.username}`}>
      <div class="home-grid">
        {catalog && (
          <Section id="services" title="My services" answer={teams.length ? services : noTeams} member="items"
                   more={<a href="/catalog?mine=true&owned=true">All {services.data?.total ?? ''} services of my teams</a>}
                   empty={teams.length === 0 ? (
                     <p>You are in no team yet, so no service is yours. An administrator can add you to your team.</p>
                   ) : (
                     <p>
                       Your teams ({teams.join(', ')}) own nothing in the catalog yet.{' '}
                       {session.can('catalog.import')
                         ? <><a href="/catalog/import">Import a catalog</a> whose entities name one of them as their owner.</>
                         : <><a href="/catalog">Browse the catalog</a> to see what others own.</>}
                     </p>
                   )}>
            {(items) => (
              <ul class="home-list">
                {items.map((e) => (
                  <li key={e.ref}>
                    <a href={entityHref(e.ref)}>{e.title || e.name}</a>
                    <span class="hint"> {[e.kind, e.type, e.lifecycle].filter(Boolean).join(' · ')}</span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        )}
        {provision && (
          <Section id="resources" title="My resources" answer={resources} member="resources"
                   more={<a href="/resources">All my resources</a>}
                   empty={(
                     <p>
                       You have not requested any resource yet.{' '}
                       {templates && <><a href="/templates">Request one from a template</a>: a database, a repository, a site.</>}
                     </p>
                   )}>
            {(items) => (
              <ul class="home-list">
                {items.map((r) => (
                  <li key={r.id}>
                    <a href={resourceHref(r.id)}>{resourceName(r)}</a> <StateBadge state={r.state} />
                    <span class="hint"> <TemplateRef name={r.template} version={r.version} /> · {r.environment} · {ownerText(r)}</span>
                    {LIVE.has(r.state) && <span class="hint home-expiry">Expires <Expiry at={r.expires_at} /></span>}
                  </li>
                ))}
              </ul>
            )}
          </Section>
        )}
        {approver && (
          <Section id="approvals" title="Waiting for my approval" answer={approvals} member="requests"
                   more={<a href="/resources/approvals">The approvals inbox</a>}
                   empty={<p>Nothing is waiting for your approval. Requests that need it come to <a href="/resources/approvals">the approvals inbox</a>.</p>}>
            {(items) => (
              <ul class="home-list">
                {items.map((q) => (
                  <li key={q.id}>
                    <a href={requestHref(q.id)}>{resourceName(q, 'Request')}</a>: {q.requester} wants <TemplateRef name={q.template} version={q.version} /> in {q.environment}
                    <span class="hint"> for {ownerText(q)}, {stateText(q.state)}, <Time at={q.created_at} relative /></span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        )}
        {cicd && (
          <Section id="failing" title="Failing pipelines" answer={failing} member="runs"
                   more={<a href="/cicd">My team's delivery</a>}
                   empty={<p>No pipeline of your teams' services is failing now.</p>}>
            {(items) => (
              <ul class="home-list">
                {items.map((r) => (
                  <li key={r.id}>
                    <a href={entityHref(r.entity)}>{r.entity.replace(/^component:default\//, '')}</a>: {r.name} on {r.branch} failed
                    <span class="hint"> <code>{short(r.commit)}</code>, <Time at={r.finished_at} relative /></span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        )}
        {cicd && (
          <Section id="deploys" title="My deploys" answer={deploys} member="deploys"
                   empty={<p>No deploy of yours is on its way, and none waits for your approval. Deploy from a service's catalog page.</p>}>
            {(items) => (
              <ul class="home-list">
                {items.map((d) => (
                  <li key={d.id}>
                    <a href={deployHref(d.id)}>{d.rollback_of ? 'Rollback' : 'Deploy'} {d.version} to {d.environment}</a>: {deployState(d.state)}
                    <span class="hint"> {d.entity.replace(/^component:default\//, '')}, by {d.requester}, <Time at={d.created_at} relative /></span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
        )}
        <Section id="notices" title="Unread notifications" answer={notices} member="notifications"
                 more={<a href="/resources/notifications">All {notices.data?.unread ?? ''} unread notifications</a>}
                 empty={<p>No unread notifications. Decisions on your requests and resources about to expire are told here; <a href="/resources/notifications">earlier ones</a> stay in your inbox.</p>}>
          {(items) => (
            <ul class="home-list">
              {items.map((n) => {
                const href = portalLink(n.link);
                return (
                  <li key={n.id}>
                    {href ? <a href={href}>{n.subject}</a> : n.subject}
                    <span class="hint"> <Time at={n.created_at} relative /></span>
                  </li>
                );
              })}
            </ul>
          )}
        </Section>
        <Section id="activity" title="Recent activity on my things" answer={activity} member="events"
                 empty={<p>Nothing has happened to your things in the last 90 days. Changes to your teams' services, secrets, resources and templates, and to what you requested, show here.</p>}>
          {(events) => <ActivityList events={events} label="Recent activity" />}
        </Section>
      </div>
      <div class="columns">
        <section aria-labelledby="roles-h">
          <h2 id="roles-h">Your roles</h2>
          {roles.length === 0 ? <p>You hold no role yet: an administrator can give you or your team one.</p> : (
            <ul>
              {roles.map((b) => (
                <li key={`${b.role}/${b.scope_type}/${b.scope_id}/${b.via}`}>
                  <strong>{b.role}</strong> {b.scope_type === 'global' ? 'everywhere' : `for ${b.scope_type} ${b.scope_id}`}
                  {b.via !== 'user' && `, ${heldText(b.via)}`}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="teams-h">
          <h2 id="teams-h">Your teams</h2>
          {teams.length === 0 ? <p>You are in no team.</p> : <ul>{teams.map((t) => <li key={t}>{t}</li>)}</ul>}
        </section>
      </div>
      <section aria-labelledby="areas-h">
        <h2 id="areas-h">Areas</h2>
        <ul class="cards">
          {visibleAreas(session).map((a) => (
            <li key={a.path} class="card">
              <a href={a.path}>{a.label}</a>
              <p>{a.about}</p>
            </li>
          ))}
        </ul>
      </section>
    </Page>
  );
}
