// An entity of the catalog: what it is (title, description, kind, type, lifecycle, tags,
// labels), who owns it, its links, its relations by type (dangling ones marked), its dependency
// graph to a chosen depth, downstream or upstream, its running instances and their health, its
// CI/CD (Delivery.jsx: deployments, runs, DORA figures, integrations), and its document as YAML
// or JSON. A Group shows the Portico team it is (kept in step by Portico, or
// written by hand) and links its members who are Portico users to their pages; a User links to its
// Portico user.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { toYaml } from '../../yaml.js';
import { Delivery } from './Delivery.jsx';
import { AlertRules } from './AlertRules.jsx';
import { HealthChecks, healthClass } from './HealthChecks.jsx';
import { Graph } from './Graph.jsx';
import { RELATION_LABELS, RELATION_ORDER, catalogHref, entityApiPath, entityHref, refLabel } from './refs.js';
import { Time } from '../../components/Time.jsx';

const DEPTHS = ['1', '2', '3', '4', '5', '6'];

export function Entity({ params }) {
  const path = entityApiPath(params);
  const entity = useApi(path);
  const relations = useApi(entity.data ? `${path}/relations` : null);
  const ref = entity.data?.ref;

  if (entity.problem) {
    return (
      <Page title={entity.problem.status === 404 ? 'Entity not found' : 'Entity'}>
        <ProblemAlert problem={entity.problem} />
        <p><a href="/catalog">Back to the catalog</a></p>
      </Page>
    );
  }
  if (!entity.data) return <p role="status">Loading the entity…</p>;
  const doc = entity.data.entity;
  const meta = doc.metadata ?? {};
  const people = new Map((entity.data.maps_to?.users ?? []).map((u) => [u.member, u]));
  return (
    <Page title={meta.title || meta.name}>
      <p class="entity-ref"><span class="badge">{doc.kind}</span> <code>{ref}</code></p>
      <Overview doc={doc} relations={relations} entityRef={ref} version={entity.data.version} />
      <InPortico kind={doc.kind} mapsTo={entity.data.maps_to} />
      <Links links={meta.links} />
      <Relations relations={relations} people={people} />
      <Dependencies path={path} title={meta.title || meta.name} />
      <Instances path={path} />
      {ref && <HealthChecks entityRef={ref} />}
      {ref && <AlertRules entityRef={ref} />}
      {ref && <Delivery entityRef={ref} />}
      <Document doc={doc} entityRef={ref} />
    </Page>
  );
}

function Overview({ doc, relations, entityRef, version }) {
  const session = useSession();
  const meta = doc.metadata ?? {};
  const spec = doc.spec ?? {};
  const rel = (type) => relations.data?.relations.find((r) => r.type === type);
  const owner = rel('ownedBy');
  const partOf = relations.data?.relations.filter((r) => r.type === 'partOf') ?? [];
  const labels = Object.entries(meta.labels ?? {});
  return (
    <section aria-labelledby="overview-h">
      <h2 id="overview-h">Overview</h2>
      {meta.description ? <p class="description">{meta.description}</p> : <p class="hint">No description.</p>}
      <dl class="facts">
        <dt>Kind</dt><dd>{doc.kind}</dd>
        {spec.type && <><dt>Type</dt><dd><a href={catalogHref({ type: spec.type })}>{spec.type}</a></dd></>}
        {spec.lifecycle && <><dt>Lifecycle</dt><dd><span class={`lifecycle ${spec.lifecycle}`}>{spec.lifecycle}</span></dd></>}
        <dt>Namespace</dt><dd>{meta.namespace ?? 'default'}</dd>
        <dt>Owner</dt>
        <dd>{owner ? <RefLink rel={owner} kind="group" /> : (spec.owner ?? '—')}</dd>
        {partOf.length > 0 && (
          <><dt>Part of</dt><dd>{partOf.map((r, i) => <span key={r.target}>{i > 0 && ', '}<RefLink rel={r} /></span>)}</dd></>
        )}
        <dt>Tags</dt>
        <dd>{meta.tags?.length ? (
          <ul class="tags">{meta.tags.map((t) => <li key={t}><a href={catalogHref({ tag: t })}>{t}</a></li>)}</ul>
        ) : '—'}</dd>
        <dt>Labels</dt>
        <dd>{labels.length ? (
          <ul class="labels">{labels.map(([k, v]) => <li key={k}><code>{k}={v}</code></li>)}</ul>
        ) : '—'}</dd>
        <dt>Version</dt><dd>{version}</dd>
      </dl>
      {session.can('catalog.import') && (
        <p><a href={`/catalog/import?edit=${encodeURIComponent(entityRef)}`}>Edit as YAML and import</a></p>
      )}
    </section>
  );
}

// What a Group or a User is in Portico: the team (kept in step by Portico or not) and the members
// who are Portico users, each linking to their page; the user a User entity names.
function InPortico({ kind, mapsTo }) {
  const session = useSession();
  if (!mapsTo || (kind !== 'Group' && kind !== 'User')) return null;
  const userLink = (u) => (session.can('iam.user.read')
    ? <a href={`/admin/users/${u.id}`}>{u.username}</a>
    : <span>{u.username}</span>);
  if (kind === 'User') {
    return (
      <section aria-labelledby="portico-h">
        <h2 id="portico-h">In Portico</h2>
        {mapsTo.user ? <p>This is the Portico user {userLink({ id: mapsTo.user_id, username: mapsTo.user })}.</p>
          : <p>No Portico user has this name.</p>}
      </section>
    );
  }
  return (
    <section aria-labelledby="portico-h">
      <h2 id="portico-h">In Portico</h2>
      {!mapsTo.team ? <p>No Portico team has this name: nobody can act as this Group's owner.</p> : (
        <p>This Group is the Portico team {session.can('iam.team.read')
          ? <a href={`/admin/teams/${encodeURIComponent(mapsTo.team)}`}>{mapsTo.team}</a> : <strong>{mapsTo.team}</strong>}.{' '}
          {mapsTo.kept_by_portico
            ? 'Portico keeps it in step with the team: its members, display name, parent and sub-teams change with the team.'
            : 'It was written by hand or comes from a location, so Portico does not change it.'}</p>
      )}
      {mapsTo.users.length > 0 && (
        <>
          <h3>Members in Portico</h3>
          <ul class="plain" aria-label="Members in Portico">
            {mapsTo.users.map((u) => <li key={u.id}>{userLink(u)}</li>)}
          </ul>
        </>
      )}
    </section>
  );
}

// A related entity: a link to its page, or, when it is not in the catalog, its ref marked so (a
// member who is a Portico user links to their page instead).
function RefLink({ rel, kind, people }) {
  const session = useSession();
  const person = rel.dangling ? people?.get(rel.target) : null;
  if (person) {
    return session.can('iam.user.read')
      ? <a href={`/admin/users/${person.id}`}>{person.username} <span class="badge">Portico user</span></a>
      : <span>{person.username} <span class="badge">Portico user</span></span>;
  }
  if (rel.dangling) {
    return <span class="dangling">{refLabel(rel.target, kind)} <span class="badge warn">not in the catalog</span></span>;
  }
  // one you may not read looks as one that is not there (the server tells them apart for nobody else)
  if (rel.hidden) {
    return <span class="dangling">{refLabel(rel.target, kind)} <span class="badge">not yours to read, or not in the catalog</span></span>;
  }
  return <a href={entityHref(rel.target)}>{refLabel(rel.target, kind)}</a>;
}

function Links({ links }) {
  return (
    <section aria-labelledby="links-h">
      <h2 id="links-h">Links</h2>
      {!links?.length ? <p>No links.</p> : (
        <ul class="entity-links">
          {links.map((l, i) => (
            <li key={i}>
              {/* the API admits only http(s) links; a page never links anything else */}
              {/^https?:\/\//i.test(l.url) ? <a href={l.url} rel="noopener noreferrer">{l.title || l.url}</a> : <span>{l.title || l.url}</span>}
              {l.type && <span class="badge">{l.type}</span>}
              {l.title && <span class="hint"> {l.url}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Relations({ relations, people }) {
  const groups = {};
  for (const r of relations.data?.relations ?? []) (groups[r.type] ??= []).push(r);
  const types = [...RELATION_ORDER.filter((t) => groups[t]), ...Object.keys(groups).filter((t) => !RELATION_LABELS[t])];
  const dangling = (relations.data?.relations ?? []).filter((r) => r.dangling && !people.has(r.target)).length;
  return (
    <section aria-labelledby="relations-h">
      <h2 id="relations-h">Relations</h2>
      <ProblemAlert problem={relations.problem} />
      {relations.data && (types.length === 0 ? <p>No relations.</p> : (
        <>
          {dangling > 0 && (
            <p class="hint">{dangling === 1 ? 'One ref names' : `${dangling} refs name`} an entity that is not in the catalog (yet).</p>
          )}
          <div class="relation-groups">
            {types.map((t) => (
              <section key={t} aria-labelledby={`rel-${t}-h`} class="relation-group">
                <h3 id={`rel-${t}-h`}>{RELATION_LABELS[t] ?? t}</h3>
                <ul>
                  {groups[t].map((r) => <li key={r.target}><RefLink rel={r} people={people} /></li>)}
                </ul>
              </section>
            ))}
          </div>
        </>
      ))}
    </section>
  );
}

// The graph with its controls: depth and direction are in the address (?depth=&direction=).
function Dependencies({ path, title }) {
  const { path: here, query, route } = useLocation();
  const depth = DEPTHS.includes(query.depth) ? query.depth : '3';
  const direction = query.direction === 'upstream' ? 'upstream' : 'downstream';
  const graph = useApi(`${path}/graph`, { direction, depth });
  const set = (changes) => {
    const next = { depth, direction, ...changes };
    route(`${here}?${new URLSearchParams(next)}`, true);
  };
  const what = direction === 'upstream' ? 'What depends on it' : 'What it depends on';
  return (
    <section aria-labelledby="graph-h">
      <h2 id="graph-h">Dependencies</h2>
      <form class="graph-controls" aria-label="Graph controls" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Direction</legend>
          <label class="choice">
            <input type="radio" name="direction" value="downstream" checked={direction === 'downstream'}
                   onChange={() => set({ direction: 'downstream' })} />
            Downstream: what it depends on
          </label>
          <label class="choice">
            <input type="radio" name="direction" value="upstream" checked={direction === 'upstream'}
                   onChange={() => set({ direction: 'upstream' })} />
            Upstream: what breaks if it goes down
          </label>
        </fieldset>
        <Field label="Depth" name="depth" options={DEPTHS} value={depth} onChange={(e) => set({ depth: e.currentTarget.value })}
               hint="Steps away from this entity, 1 to 6." problem={graph.problem} />
      </form>
      <ProblemAlert problem={graph.problem} fields={['depth']} />
      <p role="status" class="graph-status">
        {graph.loading ? 'Drawing the graph…' : graph.data && graphSummary(graph.data)}
      </p>
      {graph.data && <Graph graph={graph.data} title={`${what}: ${title}, to depth ${graph.data.depth}`} />}
    </section>
  );
}

function graphSummary(g) {
  const others = g.nodes.length - 1;
  const cycles = g.edges.filter((e) => e.cycle).length;
  const dangling = g.nodes.filter((n) => n.dangling).length;
  const parts = [`${others} ${others === 1 ? 'entity' : 'entities'} ${g.direction === 'upstream' ? 'depend on it' : 'it depends on'} within ${g.depth} ${g.depth === 1 ? 'step' : 'steps'}`];
  if (cycles) parts.push(`${cycles} ${cycles === 1 ? 'dependency closes a cycle' : 'dependencies close cycles'}`);
  if (dangling) parts.push(`${dangling} not in the catalog`);
  return `${parts.join('; ')}.`;
}

// Instances registered for the entity, with their health. An API without the instances route
// (404 or 405) is the same as none registered.
function Instances({ path }) {
  const instances = useApi(`${path}/instances`);
  const missing = instances.problem && [404, 405].includes(instances.problem.status);
  const list = instances.data?.instances ?? [];
  const critical = list.filter((i) => i.status !== 'passing').length;
  return (
    <section aria-labelledby="instances-h">
      <h2 id="instances-h">Instances</h2>
      {!missing && <ProblemAlert problem={instances.problem} />}
      {instances.loading && <p role="status">Loading instances…</p>}
      {(missing || (instances.data && list.length === 0)) && <p>No instances are registered.</p>}
      {list.length > 0 && (
        <>
          <p>{list.length} {list.length === 1 ? 'instance' : 'instances'}: {list.length - critical} passing, {critical} not (a heartbeat late, or a health check failing).</p>
          <Table label="Instances">
            <thead>
              <tr><th scope="col">Environment</th><th scope="col">Instance</th><th scope="col">URL</th><th scope="col">Version</th>
                <th scope="col">Region</th><th scope="col">Status</th><th scope="col">Last heartbeat</th></tr>
            </thead>
            <tbody>
              {list.map((i) => (
                <tr key={`${i.environment}/${i.instance}`}>
                  <td>{i.environment}</td>
                  <td>{i.instance}</td>
                  <td>{/^https?:\/\//.test(i.url) ? <a href={i.url} rel="noopener noreferrer">{i.url}</a> : i.url}</td>
                  <td>{i.version}</td>
                  <td>{i.region}</td>
                  <td><span class={healthClass(i.status)}>{i.status}</span></td>
                  <td><Time at={i.last_heartbeat} /></td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      )}
    </section>
  );
}

function Document({ doc, entityRef }) {
  const [format, setFormat] = useState('yaml');
  const text = format === 'yaml' ? toYaml(doc) : `${JSON.stringify(doc, null, 2)}\n`;
  return (
    <section aria-labelledby="document-h">
      <h2 id="document-h">Document</h2>
      <fieldset class="inline-choices">
        <legend>Format</legend>
        {[['yaml', 'YAML'], ['json', 'JSON']].map(([v, label]) => (
          <label key={v} class="choice">
            <input type="radio" name="format" value={v} checked={format === v} onChange={() => setFormat(v)} /> {label}
          </label>
        ))}
      </fieldset>
      <pre class="document" tabIndex={0} role="region" aria-label={`The document of ${entityRef} as ${format === 'yaml' ? 'YAML' : 'JSON'}`}><code>{text}</code></pre>
    </section>
  );
}
