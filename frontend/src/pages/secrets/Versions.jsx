// A secret's versions: the history (state, size, when, by whom, under which master key) and what
// may be done to each version: reveal it (after confirming; the value shows for 30 seconds and
// then leaves the page), delete and undelete it (soft), destroy it (after confirming; for good).
// The buttons follow the permissions the session holds somewhere; the API decides for this
// secret, and its refusal appears next to the action.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';
import { confirmManaged, secretApi } from './paths.js';

/** How long a revealed value stays on the page. */
export const REVEAL_SECONDS = 30;

function versionState(v, current) {
  if (v.destroyed_at) return ['destroyed', 'destroyed'];
  if (v.deleted_at) return ['deleted', v.version === current ? 'deleted (current)' : 'deleted'];
  return v.version === current ? ['current', 'current'] : ['previous', 'previous'];
}

const bytesText = (n) => (n === 1 ? '1 byte' : `${n.toLocaleString('en')} bytes`);

const CHANGED = {
  delete: [(n) => `Version ${n} is deleted: it cannot be revealed until it is undeleted.`, (n) => `Version ${n} was deleted already.`],
  undelete: [(n) => `Version ${n} is undeleted: it can be revealed again.`, (n) => `Version ${n} was not deleted.`],
};

export function Versions({ secret, reload, onChange = () => {} }) {
  const session = useSession();
  const can = {
    write: session.can('secrets.secret.write'),
    reveal: session.can('secrets.reveal'),
    destroy: session.can('secrets.secret.destroy'),
  };
  const path = secret.path;
  const [status, setStatus] = useState('');
  const [revealed, setRevealed] = useState(null);
  const rows = useRef(null);
  const heading = useRef(null);
  const panel = useRef(null);

  const rowButton = (version, action) => action && rows.current?.querySelector(`tr[data-version="${version}"] button[data-action="${action}"]`);

  // Focus after a change, once the history has reloaded: the button that undoes it in the same
  // row (Undelete after Delete), or the history's heading when the row has none.
  const focusAfterReload = useRef(null);
  useEffect(() => {
    const next = focusAfterReload.current;
    if (!next) return;
    focusAfterReload.current = null;
    (rowButton(next.version, next.action) ?? heading.current).focus();
  }, [secret]);

  async function changeVersion(verb, v) {
    const query = verb === 'delete' ? confirmManaged(secret) : '';
    const answer = await api(secretApi(verb, path) + query, { method: 'POST', body: { versions: [v.version] } });
    onChange();
    if (verb === 'delete' && revealed?.version === v.version) setRevealed(null);
    setStatus(CHANGED[verb][answer.changed ? 0 : 1](v.version));
    focusAfterReload.current = { version: v.version, action: verb === 'delete' ? 'undelete' : 'delete' };
    reload();
    return answer;
  }
  const change = useAction(changeVersion);
  // Deleting a version of a secret a resource manages asks first.
  const managedDelete = useConfirmation(async (v) => changeVersion('delete', v));
  const destroy = useConfirmation(async (v) => {
    const answer = await api(secretApi('destroy', path) + confirmManaged(secret), { method: 'POST', body: { versions: [v.version] } });
    onChange();
    if (revealed?.version === v.version) setRevealed(null);
    setStatus(`Version ${v.version} is destroyed: its value is gone for good.`);
    focusAfterReload.current = { version: v.version, action: null };
    reload();
    return answer;
  });

  // Reveal: the answer is kept only while it is shown (not in the action's result).
  const reveal = useConfirmation(async (v) => {
    const answer = await api(secretApi('reveal', path), { method: 'POST', body: { version: v.version } });
    setRevealed({ ...answer, key: Date.now() });
    setStatus(`The value of version ${answer.version} is shown below for ${REVEAL_SECONDS} seconds.`);
    return { version: answer.version };
  });
  // Once the dialog has closed (and given focus back), focus goes to the value, once for each reveal.
  const focusedReveal = useRef(null);
  useEffect(() => {
    if (revealed && !reveal.subject && focusedReveal.current !== revealed.key) {
      focusedReveal.current = revealed.key;
      panel.current?.focus();
    }
  }, [revealed, reveal.subject]);

  const afterHide = useRef(null);
  function hide(why) {
    if (!revealed) return;
    const { version } = revealed;
    const hadFocus = panel.current?.parentNode?.contains(document.activeElement);
    setRevealed(null);
    const reason = { expired: `: ${REVEAL_SECONDS} seconds have passed`, away: ': the page was left' }[why] ?? '';
    setStatus(`The value of version ${version} is hidden again${reason}.`);
    if (hadFocus) afterHide.current = version;
  }
  useEffect(() => {
    if (revealed || afterHide.current === null) return;
    (rowButton(afterHide.current, 'reveal') ?? heading.current).focus();
    afterHide.current = null;
  }, [revealed]);

  const versions = secret.versions;
  const current = versions.find((v) => v.version === secret.current_version);
  return (
    <section aria-labelledby="secret-history-h">
      <h2 id="secret-history-h" tabIndex={-1} ref={heading}>History</h2>
      <p>
        {versions.length === 1 ? '1 version is kept' : `${versions.length} versions are kept`}, up to {secret.max_versions}
        {current && `; version ${current.version} is the current one${current.deleted_at ? ', and it is deleted' : ''}${current.destroyed_at ? ', and it is destroyed' : ''}`}.
      </p>
      <Table label="Versions">
        <thead>
          <tr><th scope="col">Version</th><th scope="col">State</th><th scope="col">Size</th><th scope="col">Written</th>
            <th scope="col">Master key</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
        </thead>
        <tbody ref={rows}>
          {versions.map((v) => {
            const [state, text] = versionState(v, secret.current_version);
            const live = !v.deleted_at && !v.destroyed_at;
            return (
              <tr key={v.version} data-version={v.version}>
                <td>{v.version}</td>
                <td>
                  <span class={`version-state ${state}`}>{text}</span>
                  {(v.destroyed_at || v.deleted_at) && (
                    <div class="hint">since <Time at={v.destroyed_at || v.deleted_at} /></div>
                  )}
                </td>
                <td class="nowrap">{bytesText(v.bytes)}</td>
                <td><Time at={v.created_at} /><div class="hint">by {v.created_by}</div></td>
                <td><code class="master-key">{v.master_key}</code></td>
                <td>
                  <div class="row-actions">
                    {can.reveal && live && (
                      <button type="button" data-action="reveal" onClick={() => reveal.ask(v)}>
                        Reveal<span class="visually-hidden"> version {v.version}</span>
                      </button>
                    )}
                    {can.write && live && (
                      <button type="button" data-action="delete" disabled={change.busy}
                              onClick={() => (secret.managed_by ? managedDelete.ask(v) : change.run('delete', v))}>
                        Delete<span class="visually-hidden"> version {v.version}</span>
                      </button>
                    )}
                    {can.write && v.deleted_at && !v.destroyed_at && (
                      <button type="button" data-action="undelete" onClick={() => change.run('undelete', v)} disabled={change.busy}>
                        Undelete<span class="visually-hidden"> version {v.version}</span>
                      </button>
                    )}
                    {can.destroy && !v.destroyed_at && (
                      <button type="button" class="danger" data-action="destroy" onClick={() => destroy.ask(v)}>
                        Destroy<span class="visually-hidden"> version {v.version}</span>
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </Table>
      <p role="status" class="history-status">{status}</p>
      <ProblemAlert problem={change.problem} />
      {revealed && <RevealedValue key={revealed.key} revealed={revealed} onHide={hide} panelRef={panel} />}

      {reveal.subject && (
        <ConfirmDialog confirmation={reveal} title={`Reveal version ${reveal.subject.version}?`} confirm="Reveal" danger={false}>
          <p>The value of <code>{path}</code>, version {reveal.subject.version}, will show on this page for {REVEAL_SECONDS} seconds, then be hidden again.</p>
          <p>Every reveal is recorded in the audit log with your name.</p>
        </ConfirmDialog>
      )}
      {destroy.subject && (
        <ConfirmDialog confirmation={destroy} title={`Destroy version ${destroy.subject.version}?`} confirm="Destroy for good">
          <p><strong>This is permanent.</strong> The value of version {destroy.subject.version} is erased and can never be revealed or restored, by anyone.</p>
          <p>To keep it from being revealed for now, delete the version instead: that can be undone.</p>
          {secret.managed_by && <ManagedWarning secret={secret} />}
        </ConfirmDialog>
      )}
      {managedDelete.subject && (
        <ConfirmDialog confirmation={managedDelete} title={`Delete version ${managedDelete.subject.version}?`} confirm="Delete it anyway">
          <p>Version {managedDelete.subject.version} will not be revealed until it is undeleted.</p>
          <ManagedWarning secret={secret} />
        </ConfirmDialog>
      )}
    </section>
  );
}

function ManagedWarning({ secret }) {
  return (
    <p class="warning">
      <strong>Resource {secret.managed_by.name ?? secret.managed_by.resource} manages this secret:</strong> it is one of its
      outputs, and what uses it may stop working.
    </p>
  );
}

// A revealed value, shown for REVEAL_SECONDS with a countdown, then hidden (taken out of the
// page) by onHide('expired'); "Hide now" hides it at once, and so does leaving the page.
function RevealedValue({ revealed, onHide, panelRef }) {
  const [deadline] = useState(() => Date.now() + REVEAL_SECONDS * 1000);
  const [left, setLeft] = useState(REVEAL_SECONDS);
  const [copied, setCopied] = useState('');
  const hideRef = useRef(onHide);
  hideRef.current = onHide;
  useEffect(() => {
    const timer = setInterval(() => {
      const seconds = Math.ceil((deadline - Date.now()) / 1000);
      if (seconds <= 0) hideRef.current('expired');
      else setLeft(seconds);
    }, 250);
    const away = () => document.hidden && hideRef.current('away');
    document.addEventListener('visibilitychange', away);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', away);
    };
  }, []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(revealed.value);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser did not allow copying: select the value and copy it yourself.');
    }
  }

  const binary = revealed.encoding === 'base64';
  const label = `Value of version ${revealed.version}`;
  return (
    <div class="revealed">
      <h3>{label}</h3>
      {binary && <p class="hint">It is not UTF-8 text, so it is shown as base64.</p>}
      <pre class="secret-value" tabIndex={0} role="region" aria-label={binary ? `${label}, base64` : label} ref={panelRef}><code>{revealed.value}</code></pre>
      <p class="countdown" role="timer">Hidden again in {left} s.</p>
      <div class="actions">
        <button type="button" class="primary" onClick={() => onHide('now')}>Hide now</button>
        <button type="button" onClick={copy}>Copy</button>
        <span role="status" class="done">{copied}</span>
      </div>
    </div>
  );
}
