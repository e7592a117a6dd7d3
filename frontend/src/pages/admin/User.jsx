// A user's page: who they are, their teams, every role they hold and how, what their teams own in
// the catalog, the resources they requested, a service account's tokens; for administrators, the
// edit of the display name and email, and a password reset that shows a temporary password once
// (the person must change it at the first login).
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, Dialog, useConfirmation } from '../../components/Dialog.jsx';
import { Done, Field, formValues } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Time } from '../../components/Time.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { heldText } from '../../format.js';
import { entityHref } from '../catalog/refs.js';
import { ResourceLine } from '../provision/bits.jsx';

function scopeText(b) {
  return b.scope_type === 'global' ? 'everywhere' : `${b.scope_type} ${b.scope_id}`;
}

export function User({ id }) {
  const session = useSession();
  const page = useApi(`/iam/users/${encodeURIComponent(id)}`);
  const writer = session.can('iam.user.write');
  const [editing, setEditing] = useState(false);
  const [temporary, setTemporary] = useState(null);
  const u = page.data?.user;

  const edit = useAction(async (form, v) => {
    const answer = await api(`/iam/users/${u.id}`, { method: 'PATCH', body: { display_name: v.display_name, email: v.email || null } });
    setEditing(false);
    page.reload();
    return answer;
  });
  const reset = useConfirmation(async (user) => {
    const answer = await api(`/iam/users/${user.id}/password-reset`, { method: 'POST' });
    setTemporary(answer);
    page.reload();
    return answer;
  });

  if (page.problem) return <Page title="User"><ProblemAlert problem={page.problem} /></Page>;
  if (!u) return <Page title="User"><p role="status">Loading…</p></Page>;
  const person = u.kind === 'human';
  return (
    <Page title={u.display_name ? `${u.display_name} (${u.username})` : u.username}>
      <dl class="facts">
        <dt>Username</dt><dd>{u.username}</dd>
        <dt>Display name</dt><dd>{u.display_name || '—'}</dd>
        <dt>Email</dt><dd>{u.email ?? '—'}</dd>
        <dt>Kind</dt><dd>{person ? 'person' : 'service account'}</dd>
        <dt>State</dt><dd>{u.disabled_at ? <>disabled since <Time at={u.disabled_at} /></> : 'active'}</dd>
        <dt>Created</dt><dd><Time at={u.created_at} /></dd>
        {person && <><dt>Password</dt><dd>{u.must_change_password
          ? 'reset: a temporary password that must be changed at the next login'
          : u.password_changed_at ? <>changed <Time at={u.password_changed_at} /></> : 'never set'}</dd></>}
      </dl>
      <Done>{edit.result && 'Saved.'}</Done>
      {writer && !editing && (
        <div class="actions">
          <button type="button" onClick={() => { edit.clear(); setEditing(true); }}>Edit<span class="visually-hidden"> {u.username}</span></button>
          {person && u.id !== session.user.id && (
            <button type="button" class="danger" onClick={() => reset.ask(u)}>Reset password<span class="visually-hidden"> of {u.username}</span></button>
          )}
        </div>
      )}
      {writer && editing && (
        <section aria-labelledby="user-edit-h">
          <h2 id="user-edit-h">Edit {u.username}</h2>
          <form class="stack" onSubmit={(e) => { e.preventDefault(); edit.run(e.currentTarget, formValues(e)); }}>
            <Field label="Display name" name="display_name" maxLength={200} defaultValue={u.display_name} problem={edit.problem} />
            <Field label="Email" name="email" type="email" maxLength={254} defaultValue={u.email ?? ''} hint="Leave it empty to remove it."
                   problem={edit.problem} />
            <ProblemAlert problem={edit.problem} fields={['display_name', 'email']} />
            <div class="actions">
              <button type="submit" class="primary" disabled={edit.busy}>Save</button>
              <button type="button" onClick={() => setEditing(false)}>Cancel</button>
            </div>
          </form>
        </section>
      )}

      <section aria-labelledby="user-teams-h">
        <h2 id="user-teams-h">Teams</h2>
        {page.data.teams.length === 0 ? <p>{u.username} is in no team.</p> : (
          <ul class="plain">
            {page.data.teams.map((t) => (
              <li key={t.name}><a href={`/admin/teams/${encodeURIComponent(t.name)}`}>{t.display_name || t.name}</a>
                {' '}(<a href={entityHref(`group:default/${t.name}`)}>its group in the catalog<span class="visually-hidden"> {t.name}</span></a>)</li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="user-bindings-h">
        <h2 id="user-bindings-h">Roles</h2>
        {page.data.bindings.length === 0 ? <p>{u.username} holds no role, directly or through a team.</p> : (
          <Table label="Roles held">
            <thead><tr><th scope="col">Role</th><th scope="col">Where</th><th scope="col">Held</th></tr></thead>
            <tbody>
              {page.data.bindings.map((b, i) => (
                <tr key={i}><td>{b.role}</td><td>{scopeText(b)}</td><td>{heldText(b.via)}</td></tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>

      <section aria-labelledby="user-owns-h">
        <h2 id="user-owns-h">What their teams own</h2>
        {page.data.owns.entities.length === 0 ? <p>Their teams own no catalog entity.</p> : (
          <>
            <ul class="plain">
              {page.data.owns.entities.map((e) => (
                <li key={e.ref}><a href={entityHref(e.ref)}>{e.title || e.ref}</a> <span class="hint">{e.kind} of team {e.team}</span></li>
              ))}
            </ul>
            {page.data.owns.entities_total > page.data.owns.entities.length && (
              <p class="hint">{page.data.owns.entities_total} in all; the catalog lists the rest.</p>
            )}
          </>
        )}
      </section>

      {page.data.owns.resources && (
        <section aria-labelledby="user-resources-h">
          <h2 id="user-resources-h">Resources they requested</h2>
          {page.data.owns.resources.length === 0 ? <p>None.</p> : (
            <ul class="plain">
              {page.data.owns.resources.map((r) => (
                <ResourceLine key={r.id} r={r}>team {r.team}</ResourceLine>
              ))}
            </ul>
          )}
        </section>
      )}

      {page.data.tokens && (
        <section aria-labelledby="user-tokens-h">
          <h2 id="user-tokens-h">Tokens</h2>
          {page.data.tokens.length === 0 ? <p>No token yet.</p> : (
            <ul class="plain">
              {page.data.tokens.map((t) => (
                <li key={t.id}>{t.name} <span class="hint">{t.revoked_at ? 'revoked' : <>expires <Time at={t.expires_at} /></>}</span></li>
              ))}
            </ul>
          )}
          {!u.disabled_at && <p><a href={`/admin/users/${u.id}/tokens`}>Manage the tokens of {u.username}</a></p>}
        </section>
      )}

      {reset.subject && (
        <ConfirmDialog confirmation={reset} title={`Reset the password of ${reset.subject.username}?`} confirm="Reset password">
          <p>Portico makes a temporary password and shows it to you once. {reset.subject.username}'s sessions end
            now, and at the next login they must choose a new password before anything else; their API tokens
            wait for that too.</p>
        </ConfirmDialog>
      )}
      {temporary && <TemporaryPassword answer={temporary} onClose={() => setTemporary(null)} />}
    </Page>
  );
}

// The temporary password, once, to hand to the person.
function TemporaryPassword({ answer, onClose }) {
  return (
    <Dialog title="Temporary password" onClose={onClose}>
      <p>Give this to <strong>{answer.username}</strong>: it works for one login, after which they choose their
        own. Portico cannot show it again.</p>
      <div class="field">
        <label for="temporary-password">Temporary password</label>
        <input id="temporary-password" class="token" readOnly value={answer.temporary_password}
               onFocus={(e) => e.currentTarget.select()} />
      </div>
      <p class="hint">{answer.sessions_ended === 1 ? '1 session ended.' : `${answer.sessions_ended} sessions ended.`}</p>
      <div class="actions"><button type="button" class="primary" onClick={onClose}>Done</button></div>
    </Dialog>
  );
}
