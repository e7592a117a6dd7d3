// A new secret: its scope (a team, or an entity of the catalog), an optional environment, a name
// and the first value, and how many versions to keep. It is written with cas 0, so a path that
// has a secret already is refused (409) instead of overwritten. The API's refusals of the path
// ("there is no team ...") appear at the field they are about; a refusal says what may not be done.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Problem, api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { sentence } from '../../format.js';
import { parseRef } from '../catalog/refs.js';
import { ValueField, valueTooLarge } from './ValueField.jsx';
import { ENTITY_KINDS, PATH_MAX, SEGMENT_PATTERN, VERSIONS_MAX, pathOf, secretApi, secretHref, setFlash } from './paths.js';
import { refusal, scopeOfPath } from '../../problems.js';

const FIELDS = ['team', 'kind', 'namespace', 'entity', 'environment', 'name', 'value', 'max_versions', 'path'];
const SEGMENT_HINT = "Letters, digits, '.', '_' or '-'.";

// The API names the whole path in its field errors; a message about a part goes to that part's field.
function placeErrors(problem, scope) {
  if (!problem) return null;
  const errors = problem.errors.map((e) => {
    if (e.field !== 'path') return e;
    if (/^there is no team/.test(e.message)) return { ...e, field: 'team' };
    if (/^there is no entity/.test(e.message)) return { ...e, field: 'entity' };
    if (/kind/.test(e.message) && scope === 'entity') return { ...e, field: 'kind' };
    return e;
  });
  return new Problem({ ...problem, errors });
}

export function NewSecret() {
  const session = useSession();
  const { query, route } = useLocation();
  const teams = useApi(session.can('iam.team.read') ? '/iam/teams' : null);   /* suggestions only */
  const ref = parseRef(query.entity);
  const [v, setV] = useState(() => ({
    scope: ref ? 'entity' : 'team',
    team: query.team ?? '',
    kind: ref?.kind.toLowerCase() ?? 'component',
    namespace: ref?.namespace ?? 'default',
    entity: ref?.name ?? '',
    environment: '',
    name: '',
    max_versions: '',
  }));
  const [value, setValue] = useState('');
  const [tried, setTried] = useState('');
  const set = (name) => (e) => setV({ ...v, [name]: e.currentTarget.value });
  const path = pathOf(v);

  const create = useAction(async (p, body) => api(secretApi('data', p), { method: 'PUT', body }));
  // A team or entity whose secrets one may not even read answers 404 ("no secret at ..."), so as
  // not to tell what is there; for a create that is a refusal, and it is said as one.
  const problem = create.problem?.status === 404 ? refusal('secrets.secret.write', scopeOfPath(tried)) : placeErrors(create.problem, v.scope);
  const exists = create.problem?.status === 409;

  // After a refusal, focus goes to the first field it marks (the alert says what happened), or
  // for a path that is taken, to the link to its secret.
  const form = useRef(null);
  useEffect(() => {
    if (create.problem) form.current.querySelector('[aria-invalid="true"], .problem a')?.focus();
  }, [create.problem]);

  async function onSubmit(e) {
    e.preventDefault();
    if (valueTooLarge(value)) {
      form.current.querySelector('textarea').focus();
      return;
    }
    const body = { value, cas: 0 };
    if (v.max_versions) body.max_versions = Number(v.max_versions);
    setTried(path);
    const answer = await create.run(path, body);
    if (answer) {
      setFlash(`Created ${answer.path}, version ${answer.version}.`);
      route(secretHref(answer.path));
    }
  }

  const teamNames = [...new Set([...session.teams, ...(teams.data?.teams.map((t) => t.name) ?? [])])];
  const pathError = problem?.fieldErrors?.path;
  const segment = { pattern: SEGMENT_PATTERN, maxLength: 63, autocomplete: 'off', spellcheck: false, problem };

  return (
    <Page title="New secret"
          intro="A secret belongs to a team, or to an entity of the catalog (and so to the team that owns it). Its value is encrypted before it is stored; nobody sees it again unless they may reveal it.">
      <form class="stack secret-form" ref={form} onSubmit={onSubmit}>
        <fieldset class="inline-choices">
          <legend>Belongs to</legend>
          {[['team', 'A team'], ['entity', 'An entity of the catalog']].map(([s, label]) => (
            <label key={s} class="choice">
              <input type="radio" name="scope" value={s} checked={v.scope === s} onChange={set('scope')} /> {label}
            </label>
          ))}
        </fieldset>
        {v.scope === 'team' ? (
          <>
            <Field label="Team" name="team" required list="secret-teams" value={v.team} onInput={set('team')} {...segment}
                   hint="The team whose secret it is: its members and the teams above it may use it, as their roles allow." />
            <datalist id="secret-teams">{teamNames.map((t) => <option key={t} value={t} />)}</datalist>
          </>
        ) : (
          <>
            <Field label="Kind" name="kind" options={ENTITY_KINDS} value={v.kind} onChange={set('kind')} problem={problem} />
            <Field label="Namespace" name="namespace" required value={v.namespace} onInput={set('namespace')} {...segment} />
            <Field label="Entity" name="entity" required value={v.entity} onInput={set('entity')} {...segment}
                   hint="The entity's name in the catalog, e.g. payments." />
          </>
        )}
        <Field label="Environment (optional)" name="environment" value={v.environment} onInput={set('environment')} {...segment}
               required={false} hint={`For example production. Leave it empty for a secret of every environment. ${SEGMENT_HINT}`} />
        <Field label="Name" name="name" required value={v.name} onInput={set('name')} {...segment}
               hint={`For example db-password. ${SEGMENT_HINT}`} />
        <div class="field">
          <span class="label">Path</span>
          <p class="secret-path-preview" id="new-secret-path" aria-live="off"><code>{path}</code></p>
          {path.length > PATH_MAX && <p class="field-error">A path is at most {PATH_MAX} characters.</p>}
          {pathError && <p class="field-error">{sentence(pathError)}</p>}
        </div>
        <ValueField label="Value" value={value} onInput={(e) => setValue(e.currentTarget.value)} problem={problem} />
        <Field label="Versions to keep (optional)" name="max_versions" type="number" min={1} max={VERSIONS_MAX}
               value={v.max_versions} onInput={set('max_versions')} problem={problem}
               hint={`1 to ${VERSIONS_MAX}; when a new version passes it, the oldest goes for good. Empty: Portico's default.`} />
        {exists ? (
          <ProblemAlert problem={problem} heading={<>A secret already exists at <code>{tried}</code></>}
                        detail="creating one never overwrites another.">
            <p><a href={secretHref(tried)}>Open it</a> to write a new version, or choose another name.</p>
          </ProblemAlert>
        ) : (
          <ProblemAlert problem={problem} fields={FIELDS} />
        )}
        <button type="submit" class="primary" disabled={create.busy || path.length > PATH_MAX}>Create secret</button>
      </form>
    </Page>
  );
}
