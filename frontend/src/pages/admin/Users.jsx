// Users: the list (a page of 100 at a time, each linking to the user's page, where they are
// edited and their password reset), creating people and service accounts, disabling and enabling
// them, unlocking logins after too many failures. Users are never deleted, so the
// audit log keeps its meaning.
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { Done, Field, formValues, NAME_PATTERN } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';

export function Users() {
  const session = useSession();
  const [cursor, setCursor] = useState('');
  const list = useApi('/iam/users', { cursor, limit: 100 });
  const [kind, setKind] = useState('human');

  const create = useAction(async (form, v) => {
    const body = { username: v.username, display_name: v.display_name, kind: v.kind };
    if (v.email) body.email = v.email;
    if (v.kind === 'human') body.password = v.password;
    const user = await api('/iam/users', { method: 'POST', body });
    form.reset();
    setKind('human');
    list.reload();
    return user;
  });
  const toggle = useConfirmation(async (user) => {
    const answer = await api(`/iam/users/${user.id}/${user.disabled_at ? 'enable' : 'disable'}`, { method: 'POST' });
    list.reload();
    return answer;
  });
  // Failed logins lock an account for a while; an administrator can lift that at once.
  const unlock = useAction((user) => api('/iam/unlock', { method: 'POST', body: { username: user.username } }));

  return (
    <Page title="Users">
      {session.can('iam.user.write') && (
        <section aria-labelledby="user-new-h">
          <h2 id="user-new-h">New user</h2>
          <form class="stack" onSubmit={(e) => { e.preventDefault(); create.run(e.currentTarget, formValues(e)); }}>
            <Field label="Username" name="username" required maxLength={64} pattern={NAME_PATTERN} autocomplete="off"
                   hint="Lower-case letters, digits, '.', '_' or '-'." problem={create.problem} />
            <Field label="Display name" name="display_name" maxLength={200} problem={create.problem} />
            <Field label="Email" name="email" type="email" maxLength={254} problem={create.problem} />
            <Field label="Kind" name="kind" options={[['human', 'Person'], ['service', 'Service account']]}
                   value={kind} onChange={(e) => setKind(e.currentTarget.value)} problem={create.problem} />
            {kind === 'human' && (
              <Field label="Password" name="password" type="password" required minLength={12} autocomplete="new-password"
                     hint="At least 12 characters; tell it to the person, who can change it." problem={create.problem} />
            )}
            <ProblemAlert problem={create.problem} fields={['username', 'display_name', 'email', 'kind', 'password']} />
            <Done>{create.result && `Created ${create.result.username}.`}</Done>
            <button type="submit" class="primary" disabled={create.busy}>Create user</button>
          </form>
        </section>
      )}

      <section aria-labelledby="user-list-h">
        <h2 id="user-list-h">All users</h2>
        <ProblemAlert problem={list.problem ?? unlock.problem} />
        <Done>{unlock.result && (unlock.result.unlocked
          ? `${unlock.result.username} can log in again.`
          : `${unlock.result.username} was not locked out.`)}</Done>
        {list.data && (
          <Table label="Users table">
            <thead>
              <tr><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Kind</th>
                <th scope="col">State</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {list.data.users.map((u) => (
                <tr key={u.id}>
                  <td><a href={`/admin/users/${u.id}`}>{u.username}</a></td>
                  <td>{u.display_name}</td>
                  <td>{u.email}</td>
                  <td>{u.kind === 'service' ? 'service account' : 'person'}</td>
                  <td>{u.disabled_at ? <>disabled since <Time at={u.disabled_at} /></> : u.must_change_password ? 'active, password reset' : 'active'}</td>
                  <td><Time at={u.created_at} /></td>
                  <td><div class="row-actions">
                    {u.kind === 'service' && !u.disabled_at && <a href={`/admin/users/${u.id}/tokens`}>Tokens<span class="visually-hidden"> of {u.username}</span></a>}
                    {session.can('iam.unlock') && u.kind === 'human' && !u.disabled_at && (
                      <button type="button" onClick={() => unlock.run(u)} disabled={unlock.busy}>
                        Unlock<span class="visually-hidden"> logins of {u.username}</span>
                      </button>
                    )}
                    {session.can('iam.user.write') && u.id !== session.user.id && (
                      <button type="button" class={u.disabled_at ? '' : 'danger'} onClick={() => toggle.ask(u)}>
                        {u.disabled_at ? 'Enable' : 'Disable'}<span class="visually-hidden"> {u.username}</span>
                      </button>
                    )}
                  </div></td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        <p class="actions">
          {cursor && <button type="button" onClick={() => setCursor('')}>First page</button>}
          {list.data?.next_cursor && <button type="button" onClick={() => setCursor(list.data.next_cursor)}>Next page</button>}
        </p>
      </section>

      {toggle.subject && (
        <ConfirmDialog confirmation={toggle} title={`${toggle.subject.disabled_at ? 'Enable' : 'Disable'} ${toggle.subject.username}?`}
                       confirm={toggle.subject.disabled_at ? 'Enable' : 'Disable'} danger={!toggle.subject.disabled_at}>
          <p>{toggle.subject.disabled_at
            ? 'The account can log in again. Its old sessions and API tokens stay ended: it needs new tokens.'
            : 'Its sessions end and its API tokens are revoked at once. Nothing else is deleted; you can enable it again, but its tokens stay revoked.'}</p>
        </ConfirmDialog>
      )}
    </Page>
  );
}
