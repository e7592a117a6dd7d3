// API tokens of one account: create (name, scopes, expiry; the token is shown once, to copy),
// list with last use, and revoke. `base` is the collection: /auth/tokens for one's own,
// /iam/users/{id}/tokens for a service account's.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { Choices, Field, formValues } from './forms.jsx';
import { ProblemAlert } from './Problem.jsx';
import { ConfirmDialog, Dialog, useConfirmation } from './Dialog.jsx';
import { Table } from './Table.jsx';
import { Time } from './Time.jsx';

export function TokenManager({ base, scopeChoices, scopeHint }) {
  const list = useApi(base);
  const create = useAction(async (form, values) => {
    const token = await api(base, {
      method: 'POST',
      body: { name: values.name, scopes: values.scopes, expires_in_days: Number(values.expires_in_days) },
    });
    form.reset();
    list.reload();
    return token;
  });
  const revoke = useConfirmation(async (token) => {
    const answer = await api(`${base}/${token.id}`, { method: 'DELETE' });
    list.reload();
    return answer;
  });

  function onSubmit(e) {
    e.preventDefault();
    create.run(e.currentTarget, formValues(e, ['scopes']));
  }

  return (
    <>
      <section aria-labelledby="token-new-h">
        <h2 id="token-new-h">New token</h2>
        <form onSubmit={onSubmit} class="stack">
          <Field label="Name" name="name" required maxLength={100} problem={create.problem}
                 hint="What the token is for, e.g. the CI job that uses it." />
          <Field label="Expires in (days)" name="expires_in_days" type="number" min={1} max={365} defaultValue="30"
                 required problem={create.problem} />
          {scopeChoices.length > 0 ? (
            <Choices legend="Scopes" name="scopes" choices={scopeChoices} problem={create.problem}
                     hint={scopeHint} />
          ) : (
            <p class="notice">There are no permissions a token could carry here.</p>
          )}
          <ProblemAlert problem={create.problem} fields={['name', 'expires_in_days', 'scopes']} />
          <button type="submit" class="primary" disabled={create.busy || scopeChoices.length === 0}>Create token</button>
        </form>
      </section>

      <section aria-labelledby="token-list-h">
        <h2 id="token-list-h">Tokens</h2>
        <ProblemAlert problem={list.problem} />
        {list.data && (list.data.tokens.length === 0 ? <p>No tokens yet.</p> : (
          <Table label="Tokens table">
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Scopes</th>
                <th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {list.data.tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td><code>{t.prefix}…</code></td>
                  <td>{t.scopes.join(', ')}</td>
                  <td><Time at={t.expires_at} /></td>
                  <td>{t.last_used_at ? <Time at={t.last_used_at} /> : 'never'}</td>
                  <td>{tokenState(t)}</td>
                  <td>
                    {tokenState(t) === 'active' && (
                      <button type="button" class="danger" onClick={() => revoke.ask(t)}>
                        Revoke<span class="visually-hidden"> {t.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        ))}
      </section>

      {create.result && <NewToken token={create.result} onClose={create.clear} />}
      {revoke.subject && (
        <ConfirmDialog confirmation={revoke} title={`Revoke ${revoke.subject.name}?`} confirm="Revoke">
          <p>Anything using this token stops working at once. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function tokenState(t) {
  if (t.revoked_at) return 'revoked';
  if (Date.parse(t.expires_at) <= Date.now()) return 'expired';
  return 'active';
}

// The token, once: a field to select it from, a copy button, and a reminder that it is not kept.
function NewToken({ token, onClose }) {
  const [copied, setCopied] = useState('');
  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser did not allow copying: select the token and copy it yourself.');
    }
  }
  return (
    <Dialog title="Your new token" onClose={onClose}>
      <p>Copy <strong>{token.name}</strong> now: Portico keeps only its hash and cannot show it again.</p>
      <div class="field">
        <label for="new-token">Token</label>
        <input id="new-token" class="token" readOnly value={token.token} onFocus={(e) => e.currentTarget.select()} />
      </div>
      <p class="hint">Send it as <code>Authorization: Bearer {token.prefix}…</code></p>
      <p role="status" class="done">{copied}</p>
      <div class="actions">
        <button type="button" onClick={copy}>Copy</button>
        <button type="button" class="primary" onClick={onClose}>Done</button>
      </div>
    </Dialog>
  );
}
