// The API reference: Portico's OpenAPI document (/api/v1/openapi.json, a static file made from
// the route tables) as a page to read. The operations by area, each with its method, path,
// summary, the permission it needs and who holds that, its parameters, the body it takes and the
// answer it gives (their members, from the route rows' shapes), and its description; a search
// narrows them (the words are kept in the address, so a search can be linked).
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { apiUrl } from '../api.js';
import { useApi } from '../hooks.js';
import { Field } from '../components/forms.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { Page } from '../components/Page.jsx';

const DOCUMENT = '/openapi.json';
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const AREA_NAMES = {
  system: 'System', auth: 'Accounts, sessions and tokens', iam: 'Identity and access', audit: 'Audit log',
  catalog: 'Catalog', secrets: 'Secrets', templates: 'Templates', provision: 'Provisioning',
};
const areaName = (tag) => AREA_NAMES[tag] ?? tag.charAt(0).toUpperCase() + tag.slice(1);

/** The document's operations, in its order of paths, each with the text a search looks in. */
export function operationsOf(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc?.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const area = op.tags?.[0] ?? 'other';
      const entry = {
        id: `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-+$/, ''),
        area, method, path,
        summary: op.summary ?? '',
        description: op.description ?? '',
        permission: op['x-permission'] ?? '',
        role: op['x-role'] ?? null,
        globalOnly: Boolean(op['x-global-only']),
        params: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, text: schemaText(p.schema) })),
        operationId: op.operationId ?? '',
        body: content(op.requestBody?.content, doc),
        answers: Object.entries(op.responses ?? {})
          .filter(([code]) => /^2/.test(code))
          .map(([code, r]) => ({ code, ...content(r.content, doc) })),
      };
      entry.text = [method, path, entry.summary, entry.description, entry.permission, area, areaName(area)].join(' ').toLowerCase();
      ops.push(entry);
    }
  }
  return ops;
}

/** A body's or answer's content: its media type and, for JSON, its members in words (null: none). */
function content(c, doc) {
  if (!c) return null;
  const [media, { schema } = {}] = Object.entries(c)[0] ?? [];
  return { media, shape: media === 'application/json' ? shapeOf(schema, doc) : null };
}

const refName = (s) => s?.$ref?.split('/').pop();

/** A schema in words: {members: [{name, text, required}]} for an object, {text} otherwise. A shared
 * shape ($ref) is opened where it is the whole body or answer, and named where it is a member. */
function shapeOf(schema, doc) {
  const s = refName(schema) ? doc?.components?.schemas?.[refName(schema)] ?? {} : schema ?? {};
  if (!s.properties) return { text: typeText(s) };
  return {
    name: refName(schema),
    members: Object.entries(s.properties).map(([name, p]) => ({ name, text: typeText(p), required: (s.required ?? []).includes(name) })),
  };
}

function typeText(s = {}) {
  if (refName(s)) return refName(s);
  if (s.anyOf) return typeText(s.anyOf.find((x) => x.type !== 'null'));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  const range = (lo, hi, unit) => (hi !== undefined ? `, ${lo ?? 0} to ${hi}${unit}` : lo ? `, at least ${lo}${unit}` : '');
  if (s.enum) return s.enum.join(' or ');
  if (type === 'string') return `text${range(s.minLength, s.maxLength, ' bytes')}`;
  if (type === 'integer') return `whole number${range(s.minimum, s.maximum, '')}`;
  if (type === 'number') return 'number';
  if (type === 'boolean') return 'true or false';
  if (type === 'array') return `list of ${typeText(s.items)}${range(s.minItems, s.maxItems, ' items')}`;
  if (type === 'object' && s.properties) return `{${Object.keys(s.properties).join(', ')}}`;
  if (type === 'object' && s.additionalProperties) return `map of ${typeText(s.additionalProperties)}`;
  if (type === 'object') return 'object';
  return 'any value';
}

function Shape({ shape }) {
  if (!shape) return null;
  if (!shape.members) return <> {shape.text}</>;
  return (
    <ul class="shape">
      {shape.members.map((m) => (
        <li key={m.name}><code>{m.name}</code> {m.text}{!m.required && <span class="optional"> (optional)</span>}</li>
      ))}
    </ul>
  );
}

const ROLES = ['viewer', 'developer', 'maintainer', 'admin'];

/** A query parameter's schema in words: "1 to 500, default 50", "true or false", "up to 200 characters". */
function schemaText(s = {}) {
  if (s.enum) return s.enum.join(' or ');
  if (s.type === 'integer') return `${s.minimum} to ${s.maximum}${s.default !== undefined ? `, default ${s.default}` : ''}`;
  if (s.type === 'boolean') return 'true or false';
  if (s.maxLength) return `up to ${s.maxLength} characters`;
  return '';
}

function Permission({ op }) {
  if (op.permission === 'public') return <>Public: no login needed.</>;
  if (op.permission === 'authenticated') return <>Anyone logged in, or with an API token.</>;
  const holders = op.role ? ROLES.slice(ROLES.indexOf(op.role)) : [];
  return (
    <>
      <code>{op.permission}</code>
      {holders.length > 0 && ` — held by the built-in role${holders.length > 1 ? 's' : ''} ${holders.join(', ')}, and by custom roles that include it`}
      {op.globalOnly ? '; it counts only from a global binding.' : '.'}
    </>
  );
}

function Operation({ op }) {
  return (
    <li class="operation" id={op.id}>
      <h3>{op.summary}</h3>
      <p class="operation-line">
        <span class={`method ${op.method}`}>{op.method.toUpperCase()}</span> <code class="operation-path">{op.path}</code>
      </p>
      <dl class="facts">
        {op.operationId && <><dt>Operation</dt><dd><code>{op.operationId}</code></dd></>}
        <dt>Permission</dt>
        <dd><Permission op={op} /></dd>
        {op.params.length > 0 && (
          <>
            <dt>In the path</dt>
            <dd>{op.params.map((p, i) => <span key={p}>{i > 0 && ', '}<code>{p}</code></span>)}</dd>
          </>
        )}
        {op.query.length > 0 && (
          <>
            <dt>In the query</dt>
            <dd>{op.query.map((p, i) => (
              <span key={p.name}>{i > 0 && ', '}<code>{p.name}</code>{p.text && ` (${p.text})`}</span>
            ))}</dd>
          </>
        )}
        {op.body && (
          <>
            <dt>Body</dt>
            <dd><code>{op.body.media}</code>{op.body.shape?.name && <>, a <code>{op.body.shape.name}</code></>}<Shape shape={op.body.shape} /></dd>
          </>
        )}
        {op.answers.length > 0 && (
          <>
            <dt>Answer</dt>
            <dd>{op.answers.map((a, i) => (
              <div key={a.code}>
                {i > 0 && 'or '}<code>{a.code}</code>
                {a.media ? <>, <code>{a.media}</code>{a.shape?.name && <>, a <code>{a.shape.name}</code></>}<Shape shape={a.shape} /></> : ', no body'}
              </div>
            ))}</dd>
          </>
        )}
      </dl>
      {op.description && <p class="description">{op.description}</p>}
    </li>
  );
}

export function ApiReference() {
  const { query, route } = useLocation();
  const doc = useApi(DOCUMENT);
  const [q, setQ] = useState(query.q ?? '');
  useEffect(() => setQ(query.q ?? ''), [query.q]);

  const all = operationsOf(doc.data);
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = all.filter((op) => words.every((w) => op.text.includes(w)));
  const areas = [...new Set(all.map((op) => op.area))]
    .map((area) => ({ area, ops: shown.filter((op) => op.area === area) }))
    .filter((a) => a.ops.length > 0);

  function onInput(e) {
    const value = e.currentTarget.value;
    setQ(value);
    route(value.trim() ? `/docs/api?q=${encodeURIComponent(value.trim())}` : '/docs/api', true);
  }

  const raw = apiUrl(DOCUMENT);
  return (
    <Page title="API reference"
          intro="Every operation of Portico's JSON API, by area, with the permission it needs. Scripts and CI call it with an API token (Authorization: Bearer ptc_…); the portal calls it with its session.">
      <p>
        The same, as an OpenAPI 3.1 document for tools and code generators:{' '}
        <a href={raw}>{raw}</a> (public, no login needed).
      </p>
      <form role="search" aria-label="Search the API" class="api-search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Search operations" name="q" type="search" value={q} onInput={onInput} maxLength={200} autocomplete="off"
               hint="Words of a path, method, summary, description or permission, e.g. “secrets reveal” or “post catalog”." />
      </form>
      <ProblemAlert problem={doc.problem} />
      {doc.loading && !doc.data && <p role="status">Loading the API document…</p>}
      {doc.data && (
        <>
          <p role="status" class="results-count api-count">
            {words.length === 0
              ? `${all.length} operations in ${areas.length} areas.`
              : `${shown.length} of ${all.length} operations match.`}
          </p>
          {shown.length === 0 && (
            <div class="notice">
              <p>No operation matches “{q.trim()}”.</p>
              <button type="button" onClick={() => onInput({ currentTarget: { value: '' } })}>Show every operation</button>
            </div>
          )}
          {areas.length > 0 && (
            <nav aria-label="API areas" class="pill-links">
              <ul>
                {areas.map(({ area, ops }) => (
                  <li key={area}><a href={`#area-${area}`}>{areaName(area)} <span class="count">{ops.length}</span></a></li>
                ))}
              </ul>
            </nav>
          )}
          {areas.map(({ area, ops }) => (
            <section key={area} id={`area-${area}`} class="api-area" aria-labelledby={`area-${area}-h`}>
              <h2 id={`area-${area}-h`}>{areaName(area)} <code class="area-path">/api/v1/{area}</code></h2>
              <ul class="operations">
                {ops.map((op) => <Operation key={op.id} op={op} />)}
              </ul>
            </section>
          ))}
        </>
      )}
    </Page>
  );
}
