// A secret: what it is (path, scope, environment, versions kept, who made it), its history with
// what may be done to each version (Versions.jsx), a new version, and deleting it all. A new
// version is written with cas, the current version this page shows: when someone wrote another
// meanwhile, the API refuses it (409) and the page says so, keeping the text typed, and offers
// to reload.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { problemDetail } from '../../problems.js';
import { Time } from '../../components/Time.jsx';
import { entityHref } from '../catalog/refs.js';
import { ValueField, valueTooLarge } from './ValueField.jsx';
import { Versions } from './Versions.jsx';
import { browserHref, confirmManaged, entityPrefix, managerHref, secretApi, setFlash, takeFlash, teamPrefix } from './paths.js';
import { MaybeLink } from '../../components/MaybeLink.jsx';

/** The route's page: /secrets/team/... or /secrets/entity/..., one page state per path. */
export function Secret({ params, scope }) {
  const path = `${scope}/${params.secret}`;
  return <SecretPage key={path} path={path} />;
}

// Where the secrets of the same team or entity are listed.
function scopeHref(s) {
  return browserHref({ prefix: s.scope === 'entity' ? entityPrefix(s.entity) : teamPrefix(s.team) });
}

function SecretPage({ path }) {
  const session = useSession();
  const meta = useApi(secretApi('metadata', path));
  // What the page before said ("Created ..., version 1."), until something is done here: then the
  // message where it was done says what the last change did.
  const [flash, setFlashText] = useState(takeFlash);
  const changed = () => setFlashText('');

  if (meta.problem) {
    return (
      <Page title={meta.problem.status === 404 ? 'Secret not found' : 'Secret'}>
        <ProblemAlert problem={meta.problem} />
        {meta.problem.status === 404 && <p>There is no secret at <code>{path}</code>, or you may not see it.</p>}
        <p><a href="/secrets">Back to the secrets</a></p>
      </Page>
    );
  }
  if (!meta.data) return <p role="status">Loading the secret…</p>;
  const s = meta.data;
  const can = (p) => session.can(p);
  return (
    <Page title={s.name}>
      <p class="entity-ref"><span class="badge">secret</span> <code>{s.path}</code></p>
      <p class="done" role="status">{flash}</p>
      {s.managed_by && <ManagedNote s={s} />}
      <Overview s={s} />
      <Versions secret={s} reload={meta.reload} onChange={changed} />
      {can('secrets.secret.write') && <NewVersion secret={s} reload={meta.reload} onChange={changed} />}
      {!can('secrets.secret.write') && !can('secrets.reveal') && (
        <p class="notice">You may see this secret and its history; your roles do not let you reveal it or write to it.</p>
      )}
      {can('secrets.secret.destroy') && <DeleteSecret secret={s} />}
    </Page>
  );
}

/** What a managed secret is: whose output, and why a change by hand asks first. */
function ManagedNote({ s }) {
  return (
    <p class="notice managed-note">
      This secret is managed by resource <a href={managerHref(s)}>{s.managed_by.name ?? s.managed_by.resource}</a>: it is
      one of its outputs, kept in step with what the resource made. Writing or deleting it by hand can break what uses
      it, so Portico asks before it does.
    </p>
  );
}

function Overview({ s }) {
  return (
    <section aria-labelledby="secret-overview-h">
      <h2 id="secret-overview-h">Overview</h2>
      <dl class="facts">
        <dt>Belongs to</dt>
        <dd>
          {s.scope === 'entity' ? (
            <>Entity <MaybeLink href={entityHref(s.entity)} needs="catalog.entity.read">{s.entity}</MaybeLink>{s.team && `, owned by team ${s.team}`}</>
          ) : (
            <>Team {s.team}</>
          )}
          {' '}(<a href={scopeHref(s)}>its secrets</a>)
        </dd>
        {s.managed_by && <><dt>Managed by</dt><dd>resource <a href={managerHref(s)}>{s.managed_by.name ?? s.managed_by.resource}</a></dd></>}
        <dt>Environment</dt><dd>{s.environment || 'any (none given)'}</dd>
        <dt>Current version</dt><dd>{s.current_version}</dd>
        <dt>Versions kept</dt><dd>up to {s.max_versions}</dd>
        <dt>Created</dt><dd><Time at={s.created_at} /> by {s.created_by}</dd>
        <dt>Updated</dt><dd><Time at={s.updated_at} /></dd>
      </dl>
    </section>
  );
}

function NewVersion({ secret, reload, onChange }) {
  const [text, setText] = useState('');
  const [message, setMessage] = useState('');
  const area = useRef(null);
  const reloadButton = useRef(null);
  const reloading = useRef(false);
  const put = (body) => api(secretApi('data', secret.path) + confirmManaged(secret), { method: 'PUT', body });
  const write = useAction(put);
  const conflict = write.problem?.status === 409;
  const next = secret.current_version + 1;

  function saved(answer) {
    setText('');
    setMessage(`Saved version ${answer.version}: it is the current version now.`);
    reload();
    area.current.focus();
  }
  // A secret a resource manages: the write asks first (and a refusal shows in the question).
  const managed = useConfirmation(async () => {
    const answer = await put({ value: text, cas: secret.current_version });
    saved(answer);
    return answer;
  });

  async function onSubmit(e) {
    e.preventDefault();
    if (valueTooLarge(text)) {
      area.current.focus();
      return;
    }
    setMessage('');
    onChange();
    if (secret.managed_by) {
      write.clear();
      managed.ask(secret);
      return;
    }
    const answer = await write.run({ value: text, cas: secret.current_version });
    if (answer) saved(answer);
  }

  // A conflict: focus goes to its way out, the reload button.
  useEffect(() => {
    if (conflict) reloadButton.current.focus();
    else if (write.problem) area.current.focus();
  }, [write.problem]);

  function onReload() {
    onChange();
    reloading.current = true;
    write.clear();
    reload();
  }
  useEffect(() => {
    if (!reloading.current) return;
    reloading.current = false;
    setMessage(`Reloaded: version ${secret.current_version} is the current one.${text ? ` Your text is unchanged: save it to write version ${next}.` : ''}`);
    area.current.focus();
  }, [secret]);

  return (
    <section aria-labelledby="secret-write-h">
      <h2 id="secret-write-h">New version</h2>
      <form class="stack" onSubmit={onSubmit}>
        <ValueField label="New value" value={text} areaRef={area}
                    onInput={(e) => { setText(e.currentTarget.value); setMessage(''); }}
                    problem={conflict ? null : write.problem}
                    hint={`Saving writes version ${next}, and only while version ${secret.current_version} is the current one: a version someone writes meanwhile is not overwritten unnoticed.`} />
        {conflict ? (
          <ProblemAlert problem={write.problem} heading="Someone else wrote a newer version meanwhile." detail="">
            <p>
              This page shows version {secret.current_version} as the current one, but another version has been written
              since, so yours was not saved. Your text is still here: reload to see the newest version, then save again
              if yours should replace it.
            </p>
            <p class="hint">{problemDetail(write.problem)}</p>
            <div class="actions">
              <button type="button" ref={reloadButton} onClick={onReload}>Reload the secret</button>
            </div>
          </ProblemAlert>
        ) : (
          <ProblemAlert problem={write.problem} fields={['value', 'value_base64']} />
        )}
        <p class="done" role="status">{message}</p>
        <button type="submit" class="primary" disabled={write.busy}>Save version {next}</button>
      </form>
      {managed.subject && (
        <ConfirmDialog confirmation={managed} title={`Write to a secret that ${secret.managed_by.name ?? 'a resource'} manages?`}
                       confirm={`Save version ${next} anyway`}>
          <p>This secret is an output of resource <a href={managerHref(secret)}>{secret.managed_by.name ?? secret.managed_by.resource}</a>.
            What the resource made (a database's password, a token) does not change with it: whatever reads the new value may
            stop working.</p>
          <p>The write is recorded in the audit log as made despite the warning.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function DeleteSecret({ secret }) {
  const { route } = useLocation();
  const remove = useConfirmation(async () => {
    const answer = await api(secretApi('metadata', secret.path) + confirmManaged(secret), { method: 'DELETE' });
    setFlash(`Deleted ${secret.path} and all its versions.`);
    route(scopeHref(secret));
    return answer;
  });
  const n = secret.versions.length;
  return (
    <section aria-labelledby="secret-delete-h" class="danger-zone">
      <h2 id="secret-delete-h">Delete the secret</h2>
      <p>Deletes the secret and every version it keeps, for good. To stop one version from being revealed, delete that version in the history instead.</p>
      <button type="button" class="danger" onClick={() => remove.ask(secret)}>Delete this secret</button>
      {remove.subject && (
        <ConfirmDialog confirmation={remove} title={`Delete the secret ${secret.name}?`} confirm="Delete the secret">
          <p><strong>This is permanent.</strong> <code>{secret.path}</code> and {n === 1 ? 'its version are' : `all ${n} of its versions are`} erased and cannot be restored, by anyone.</p>
          <p>Whatever reads this secret will no longer find it.</p>
          {secret.managed_by && (
            <p class="warning"><strong>Resource {secret.managed_by.name ?? secret.managed_by.resource} manages this secret:</strong> it
              is one of its outputs, and the resource will no longer have it.</p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
