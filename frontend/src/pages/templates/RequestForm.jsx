// The request form of a template version (?version=, else the newest published), made from its
// parameters: text (with the pattern), whole numbers (min, max), a checkbox, a choice, a secret's
// path; then the environment (the policy's, or any), the owner (one of the user's teams, or an
// entity of the catalog) and how many days it lives. Values are checked as the server checks them
// before sending (params.js), and the server's refusals appear at the same fields. The request
// carries an Idempotency-Key, one per filled form: sending the same form again (after a lost
// answer) cannot make a second request. Approved at once: the resource's page; waiting for
// approval: says so, with the request's page.
import { useId, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Problem } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { fullRef } from '../catalog/refs.js';
import { setFlash } from '../secrets/paths.js';
import { NAME_PATTERN, idempotencyKey, requestHref, resourceHref, send, templateApi, templateHref } from '../provision/shared.js';
import { htmlPattern, initialValue, parameterValues, valueError } from './params.js';

export function RequestForm({ params }) {
  const { query } = useLocation();
  const version = query.version || 'latest';
  const ver = useApi(templateApi(params.name, 'versions', version));
  if (ver.problem) {
    return (
      <Page title={`Request ${params.name}`}>
        <ProblemAlert problem={ver.problem} />
        {ver.problem.status === 404 && <p>There is no version {version} of <code>{params.name}</code>, or you may not see it.</p>}
        <p><a href={templateHref(params.name)}>Back to the template</a></p>
      </Page>
    );
  }
  if (!ver.data) return <p role="status">Loading the form…</p>;
  return <RequestPage key={`${params.name}@${ver.data.version}`} name={params.name} v={ver.data} />;
}

const PREFIX = 'parameters.';
const OWNER_FIELDS = ['environment', 'team', 'entity', 'ttl_days', 'parameters', 'version', 'template'];

function RequestPage({ name, v }) {
  const session = useSession();
  const { route } = useLocation();
  const tpl = v.template ?? {};
  const parameters = tpl.parameters ?? [];
  const policy = tpl.policy ?? {};
  const environments = policy.environments ?? [];
  const ttl = policy.ttl ?? {};
  const [values, setValues] = useState(() => Object.fromEntries(parameters.map((p) => [p.name, initialValue(p)])));
  const [environment, setEnvironment] = useState(environments[0] ?? '');
  const [ownerKind, setOwnerKind] = useState('team');
  const [team, setTeam] = useState(session.teams[0] ?? '');
  const [entity, setEntity] = useState('');
  const [ttlDays, setTtlDays] = useState(ttl.default_days ? String(ttl.default_days) : '');
  const [checked, setChecked] = useState({});
  const [sent, setSent] = useState(null);
  const key = useRef({ key: idempotencyKey(), body: null });
  const id = useId();

  const submit = useAction(async (body, k) => send('/provision/requests', { body, headers: { 'Idempotency-Key': k } }));

  // The fields' messages: this form's own checks first, else the server's (its field names).
  const server = submit.problem;
  const serverErrors = { ...(server?.fieldErrors ?? {}) };
  if (ownerKind === 'entity' && serverErrors.team && !serverErrors.entity) serverErrors.entity = serverErrors.team;
  const shown = Object.keys(checked).length ? checked : serverErrors;
  const problem = { fieldErrors: shown };
  // What the alert says: this form's own checks, else the server's answer (it focuses the first
  // marked field, once for each).
  const local = useMemo(() => (Object.keys(checked).length ? Problem.fields(checked) : null), [checked]);
  const shownFields = [...parameters.map((p) => PREFIX + p.name), ...OWNER_FIELDS];

  function check() {
    const errors = {};
    for (const p of parameters) {
      const why = valueError(p, values[p.name]);
      if (why) errors[PREFIX + p.name] = why;
    }
    if (!environment) errors.environment = 'is required';
    else if (environments.length && !environments.includes(environment)) errors.environment = `must be one of ${environments.join(', ')}`;
    else if (!new RegExp(`^${NAME_PATTERN}$`).test(environment)) errors.environment = "must be lower-case letters, digits, '_' or '-', starting with a letter";
    if (ownerKind === 'team' && !team) errors.team = 'is required';
    if (ownerKind === 'entity' && !fullRef(entity)) errors.entity = 'must be an entity ref: [kind:][namespace/]name, e.g. component:ledger-worker';
    if (ttlDays !== '') {
      const n = Number(ttlDays);
      const max = ttl.max_days ?? 3650;
      if (!/^\d+$/.test(ttlDays) || n < 1 || n > max) errors.ttl_days = `must be from 1 to ${max} days`;
    } else if (ttl.max_days && !ttl.default_days) errors.ttl_days = 'is required';
    return errors;
  }

  async function onSubmit(e) {
    e.preventDefault();
    const errors = check();
    setChecked(errors);
    if (Object.keys(errors).length) {
      submit.clear();
      return;
    }
    const body = { template: name, version: v.version, parameters: parameterValues(parameters, values), environment };
    if (ownerKind === 'team') body.team = team;
    else body.entity = entity.trim();
    if (ttlDays !== '') body.ttl_days = Number(ttlDays);
    // One key per filled form: the same body again (a retry) keeps it; a changed form is a new request.
    const text = JSON.stringify(body);
    if (key.current.body !== null && key.current.body !== text) key.current = { key: idempotencyKey(), body: null };
    key.current.body = text;
    const answer = await submit.run(body, key.current.key);
    if (!answer) return;
    if (answer.state === 'approved' && answer.resource_id) {
      setFlash(`Request ${answer.id} is approved: provisioning of ${name} ${v.version} has started.`);
      route(resourceHref(answer.resource_id));
    } else {
      setSent(answer);
    }
  }

  function another() {
    key.current = { key: idempotencyKey(), body: null };
    submit.clear();
    setSent(null);
  }

  const set = (p) => (e) => {
    const value = p.type === 'boolean' ? e.currentTarget.checked : e.currentTarget.value;
    setValues({ ...values, [p.name]: value });
  };
  const approval = (policy.approvals ?? []).find((a) => a.environment === environment);
  const requestable = v.state === 'published';
  const title = `Request ${tpl.title || name}`;

  if (sent) {
    return (
      <Page title={title}>
        <div class="notice" role="status">
          <p><strong>Request {sent.id} is waiting for approval.</strong></p>
          <p>
            {sent.approvals_needed === 1 ? 'One approval is' : `${sent.approvals_needed ?? 'Some'} approvals are`} needed
            {sent.approval_role && <> from someone holding the role {sent.approval_role} on the team</>}; you cannot approve your own request.
            Portico provisions it once it is approved, and tells you in your notifications.
          </p>
          <p><a href={requestHref(sent.id)}>Open request {sent.id}</a>{session.can('provision.request.read') && <> · <a href="/resources/requests">My requests</a></>}</p>
        </div>
        <div class="actions"><button type="button" onClick={another}>Request another</button></div>
      </Page>
    );
  }

  return (
    <Page title={title} intro={tpl.description}>
      <p class="entity-ref"><span class="badge">template</span> <a href={templateHref(name, v.version)}>{name} {v.version}</a></p>
      {!requestable && (
        <p class="notice">Version {v.version} is {v.state}: it cannot be requested. <a href={templateHref(name)}>See the template's versions</a>.</p>
      )}
      <form class="stack request-form" onSubmit={onSubmit} noValidate>
        {parameters.length > 0 && (
          <fieldset>
            <legend>Parameters</legend>
            {parameters.map((p) => <ParameterField key={p.name} p={p} value={values[p.name]} onChange={set(p)} problem={problem} />)}
          </fieldset>
        )}
        {environments.length > 0 ? (
          <Field label="Environment" name="environment" options={environments} value={environment}
                 onChange={(e) => setEnvironment(e.currentTarget.value)} problem={problem}
                 hint={approval ? `Requests in ${approval.environment} need ${approval.count === 1 ? '1 approval' : `${approval.count} approvals`} by a ${approval.role}.` : 'Requests here are approved at once.'} />
        ) : (
          <Field label="Environment" name="environment" value={environment} required pattern={NAME_PATTERN} maxLength={63}
                 onInput={(e) => setEnvironment(e.currentTarget.value)} problem={problem} autocomplete="off" spellcheck={false}
                 hint="Any environment, e.g. dev or production: lower-case letters, digits, '_' or '-'." />
        )}
        <fieldset class="inline-choices">
          <legend>Owned by</legend>
          {[['team', 'One of your teams'], ['entity', 'An entity of the catalog']].map(([k, label]) => (
            <label key={k} class="choice">
              <input type="radio" name={`${id}-owner`} value={k} checked={ownerKind === k} onChange={() => setOwnerKind(k)} /> {label}
            </label>
          ))}
        </fieldset>
        {ownerKind === 'team' ? (
          session.teams.length > 0 ? (
            <Field label="Team" name="team" options={session.teams} value={team} onChange={(e) => setTeam(e.currentTarget.value)}
                   problem={problem} hint="The team that owns what is made; its members see it, and you need the template's requester role on it." />
          ) : (
            <Field label="Team" name="team" value={team} required onInput={(e) => setTeam(e.currentTarget.value)} problem={problem}
                   autocomplete="off" spellcheck={false} hint="You are in no team: name the team that will own it." />
          )
        ) : (
          <Field label="Entity" name="entity" value={entity} required problem={problem}
                 onInput={(e) => {
                   setEntity(e.currentTarget.value);
                   if (checked.entity && fullRef(e.currentTarget.value)) {   /* a ref now: its message is past */
                     const { entity: _, ...rest } = checked;
                     setChecked(rest);
                   }
                 }}
                 autocomplete="off" spellcheck={false}
                 hint={`Its ref in the catalog, as the catalog writes it: component:default/payments, component:payments or payments (a component in the namespace default); its owner team owns what is made.${fullRef(entity) ? ` That is ${fullRef(entity)}.` : ''}`} />
        )}
        <Field label="Lifetime (days)" name="ttl_days" type="number" min={1} max={ttl.max_days ?? 3650} value={ttlDays}
               onInput={(e) => setTtlDays(e.currentTarget.value)} problem={problem} required={Boolean(ttl.max_days && !ttl.default_days)}
               hint={ttl.max_days ? `At most ${ttl.max_days} days${ttl.default_days ? `; ${ttl.default_days} by default` : ''}. It can be renewed before it expires.` : 'Empty: it does not expire.'} />
        <ProblemAlert problem={local ?? server} fields={shownFields} />
        <button type="submit" class="primary" disabled={submit.busy || !requestable}>Send the request</button>
      </form>
    </Page>
  );
}

// One parameter's field, by its type.
function ParameterField({ p, value, onChange, problem }) {
  const id = useId();
  const name = PREFIX + p.name;
  const error = problem.fieldErrors[name];
  const label = `${p.label || p.name}${p.required ? '' : ' (optional)'}`;
  const rules = [];
  if (p.type === 'integer' && (p.min !== undefined && p.min !== null) && (p.max !== undefined && p.max !== null)) rules.push(`From ${p.min} to ${p.max}.`);
  if (p.type === 'secret-ref') rules.push('The path of a secret, e.g. team/web/production/api-key.');
  const hint = [p.help, ...rules].filter(Boolean).join(' ');
  if (p.type === 'boolean') {
    return (
      <div class="field">
        <label class="choice">
          <input type="checkbox" name={name} checked={Boolean(value)} onChange={onChange} aria-describedby={hint ? `${id}-hint` : undefined} /> {label}
        </label>
        {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      </div>
    );
  }
  const common = { label, name, problem, hint: hint || undefined, value, required: p.required && (p.default === undefined || p.default === null || p.default === '') };
  if (p.type === 'enum') {
    const options = (p.required ? [] : [['', '(default)']]).concat(p.choices ?? []);
    return <Field {...common} options={options} onChange={onChange} />;
  }
  if (p.type === 'integer') {
    return <Field {...common} type="number" step={1} min={p.min ?? undefined} max={p.max ?? undefined} onInput={onChange} />;
  }
  return (
    <Field {...common} type="text" pattern={htmlPattern(p.pattern)} maxLength={p.max ?? 1000} minLength={p.min ?? undefined}
           autocomplete="off" spellcheck={false} onInput={onChange} />
  );
}

