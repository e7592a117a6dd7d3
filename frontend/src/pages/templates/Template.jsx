// A template: its versions (draft, published, deprecated), the chosen one (?version=; else the
// newest published, else the newest) with its parameters, policy, steps, outputs and scan
// report, two versions compared, and what may be done by permission: request it, scan, publish
// (after confirming; a refusal lists the scan's findings), deprecate, delete a draft, trust (administrators), and
// upload a new draft (starting from the chosen version's XML).
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../api.js';
import { useAction, useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, Dialog, useConfirmation } from '../../components/Dialog.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';
import { setFlash, takeFlash } from '../secrets/paths.js';
import { StateBadge } from '../provision/bits.jsx';
import { requestFormHref, send, templateApi, templateHref } from '../provision/shared.js';
import { Compare } from './Diff.jsx';
import { galleryHref } from './Gallery.jsx';
import { Outputs, Parameters, Policy, ScanReport, Steps } from './VersionDetail.jsx';
import { Findings, XmlUpload } from './XmlUpload.jsx';

export function Template({ params }) {
  return <TemplatePage key={params.name} name={params.name} />;
}

function TemplatePage({ name }) {
  const session = useSession();
  const { query, route } = useLocation();
  const tpl = useApi(templateApi(name));
  const [flash] = useState(takeFlash);
  const [status, setStatus] = useState('');
  const versions = tpl.data?.versions ?? [];
  const chosen = query.version || versions.find((v) => v.state === 'published')?.version || versions[0]?.version;
  const ver = useApi(chosen ? templateApi(name, 'versions', chosen) : null);
  const reload = () => {
    tpl.reload();
    ver.reload();
  };

  if (tpl.problem) {
    return (
      <Page title={tpl.problem.status === 404 ? 'Template not found' : 'Template'}>
        <ProblemAlert problem={tpl.problem} />
        {tpl.problem.status === 404 && <p>There is no template <code>{name}</code>, or you may not see it.</p>}
        <p><a href="/templates">Back to the gallery</a></p>
      </Page>
    );
  }
  if (!tpl.data) return <p role="status">Loading the template…</p>;
  const t = tpl.data;
  const v = ver.data;
  // trust is a version's (its XML as an administrator saw it), not the template's
  const vTrusted = !!versions.find((x) => x.version === v?.version)?.trusted;
  const title = v?.template?.title || name;
  return (
    <Page title={title}>
      <p class="entity-ref">
        <span class="badge">template</span> <code>{t.name}</code> · owned by team {t.owner_team}
        {t.trusted && <> · <span class="badge">trusted</span></>}
      </p>
      <p class="done" role="status">{status || flash}</p>

      <section aria-labelledby="template-versions-h">
        <h2 id="template-versions-h">Versions</h2>
        <Table label="Versions of the template">
          <thead>
            <tr><th scope="col">Version</th><th scope="col">State</th><th scope="col">Title</th>
              <th scope="col">Created</th><th scope="col">Published</th></tr>
          </thead>
          <tbody>
            {versions.map((x) => (
              <tr key={x.version} class={x.version === chosen ? 'chosen' : undefined}>
                <td>
                  <a href={templateHref(name, x.version)} aria-current={x.version === chosen ? 'true' : undefined}>{x.version}</a>
                </td>
                <td><StateBadge state={x.state} /></td>
                <td>{x.title}</td>
                <td><Time at={x.created_at} /><div class="hint">by {x.created_by}</div></td>
                <td>{x.published_at ? <Time at={x.published_at} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      </section>

      <ProblemAlert problem={ver.problem} />
      {chosen && !v && !ver.problem && <p role="status">Loading version {chosen}…</p>}
      {v && (
        <Version key={v.version} name={name} v={v} trusted={vTrusted} onChanged={(text) => { setStatus(text); reload(); }}
                 onDeleted={(text) => { setFlash(text); route(templateHref(name)); reload(); }} />
      )}

      {versions.length > 1 && <Compare name={name} versions={versions} chosen={chosen} />}

      {v && session.can('templates.template.trust') && (
        <Trust key={v.version} name={name} version={v.version} trusted={vTrusted} onChanged={(text) => { setStatus(text); reload(); }} />
      )}

      {session.can('templates.template.write') && (
        <section aria-labelledby="template-upload-h">
          <h2 id="template-upload-h">New draft</h2>
          <p>Change the XML (a new version number makes a new draft; the number of a draft replaces it) and upload it. The owner team cannot change here.</p>
          <XmlUpload key={v?.version ?? ''} label="Template XML" initial={v?.xml ?? ''} submitLabel="Upload the draft"
                     hint={`Starts from version ${v?.version ?? '—'}.`}
                     onDone={(a) => {
                       setStatus(`Uploaded ${a.name} ${a.version} as a draft${a.scan?.findings?.length ? `; the scan found ${a.scan.findings.length}` : ''}.`);
                       route(templateHref(a.name, a.version));
                       reload();
                     }} />
        </section>
      )}
      <p><a href={galleryHref({})}>Back to the gallery</a></p>
    </Page>
  );
}

// The chosen version: what it says, its scan, and what may be done to it.
function Version({ name, v, trusted, onChanged, onDeleted }) {
  const session = useSession();
  const tpl = v.template ?? {};
  const publish = useAction(async () => send(templateApi(name, 'versions', v.version, 'publish')));
  const scan = useAction(async () => api(templateApi(name, 'versions', v.version, 'scan'), { method: 'POST' }));
  const deprecate = useConfirmation(async () => {
    const answer = await api(templateApi(name, 'versions', v.version, 'deprecate'), { method: 'POST' });
    onChanged(`Version ${v.version} is deprecated: no new requests; what it made keeps working.`);
    return answer ?? {};
  });
  const remove = useConfirmation(async () => {
    const answer = await api(templateApi(name, 'versions', v.version), { method: 'DELETE' });
    onDeleted(`Deleted the draft ${v.version}.`);
    return answer ?? {};
  });
  const refusedFindings = publish.problem?.raw?.findings;
  // Publishing asks first (a published version never changes); a refusal of the scan shows on the page.
  const [asking, setAsking] = useState(false);

  async function onPublish() {
    setAsking(false);
    if ((await publish.run()) !== undefined) onChanged(`Version ${v.version} is published: it can be requested now.`);
  }
  async function onScan() {
    const answer = await scan.run();
    if (answer) onChanged(answer.passed ?? answer.findings?.length === 0 ? `The scan of ${v.version} passed.` : `The scan of ${v.version} found ${answer.findings.length}.`);
  }

  const can = (p) => session.can(p);
  return (
    <section aria-labelledby="template-version-h" class="template-version">
      <h2 id="template-version-h">Version {v.version} <StateBadge state={v.state} /></h2>
      {tpl.description && <p class="description">{tpl.description}</p>}
      {tpl.tags?.length > 0 && (
        <ul class="tags" aria-label="Tags">
          {tpl.tags.map((g) => <li key={g}><a class="tag" href={galleryHref({ tag: g })}>{g}</a></li>)}
        </ul>
      )}
      <div class="actions version-actions">
        {v.state === 'published' && can('provision.request.create') && (
          <a class="button primary" href={requestFormHref(name, v.version)}>Request<span class="visually-hidden"> {name} {v.version}</span></a>
        )}
        {v.state === 'draft' && can('templates.template.publish') && (
          <button type="button" class="primary" onClick={() => setAsking(true)} disabled={publish.busy}>Publish {v.version}</button>
        )}
        {v.state === 'draft' && can('templates.template.write') && (
          <button type="button" onClick={onScan} disabled={scan.busy}>Scan now</button>
        )}
        {v.state === 'published' && can('templates.template.publish') && (
          <button type="button" onClick={() => deprecate.ask(v)}>Deprecate {v.version}</button>
        )}
        {v.state === 'draft' && can('templates.template.write') && (
          <button type="button" class="danger" onClick={() => remove.ask(v)}>Delete the draft</button>
        )}
      </div>
      {v.state === 'deprecated' && <p class="notice">This version is deprecated: it takes no new requests. What it made keeps working.</p>}
      {v.state === 'draft' && <p class="notice">This version is a draft: it cannot be requested until it is published.</p>}
      {publish.problem && (
        <ProblemAlert problem={publish.problem} focus>
          {refusedFindings?.length > 0 && (
            <>
              <p>
                The scan found what must change before {v.version} can be published
                {!trusted && refusedFindings.some((f) => /^exec-shell\b/.test(typeof f === 'string' ? f : f.rule ?? '')) && ' (a shell in an exec step is allowed once an administrator trusts this version)'}:
              </p>
              <Findings findings={refusedFindings} />
            </>
          )}
        </ProblemAlert>
      )}
      <ProblemAlert problem={scan.problem} />

      <h3>Scan</h3>
      <ScanReport scan={scan.result ? { ...v.scan, ...scan.result, scanned_at: scan.result.scanned_at ?? v.scan?.scanned_at } : v.scan} />
      <h3>Parameters</h3>
      <Parameters parameters={tpl.parameters} />
      <h3>Policy</h3>
      <Policy policy={tpl.policy} />
      <h3>Steps</h3>
      <Steps steps={tpl.steps} label="Steps" />
      <h3>Outputs</h3>
      <Outputs outputs={tpl.outputs} />
      {tpl.deprovision?.length > 0 && (
        <>
          <h3>Deprovisioning steps</h3>
          <Steps steps={tpl.deprovision} label="Deprovisioning steps" />
        </>
      )}
      {v.xml && (
        <details class="graph-table">
          <summary>The XML of {v.version}</summary>
          <pre class="document" tabIndex={0}><code>{v.xml}</code></pre>
        </details>
      )}

      {asking && (
        <Dialog title={`Publish ${name} ${v.version}?`} onClose={() => setAsking(false)}>
          <p>Once published, version {v.version} never changes: its XML is kept as it is, and resources made from it name it.
            {tpl.owner_team && ` Whoever may request from team ${tpl.owner_team}'s templates can request it at once, as its policy says.`}</p>
          <p>The scan runs first: if it finds anything, nothing is published and its findings are shown.</p>
          <div class="actions">
            <button type="button" onClick={() => setAsking(false)}>Cancel</button>
            <button type="button" class="primary" onClick={onPublish}>Publish</button>
          </div>
        </Dialog>
      )}
      {deprecate.subject && (
        <ConfirmDialog confirmation={deprecate} title={`Deprecate ${name} ${v.version}?`} confirm="Deprecate">
          <p>Nobody can request version {v.version} any more. Resources it made keep working, and can be renewed and deleted.</p>
        </ConfirmDialog>
      )}
      {remove.subject && (
        <ConfirmDialog confirmation={remove} title={`Delete the draft ${v.version}?`} confirm="Delete the draft">
          <p>The draft's XML is deleted for good.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

// Trusted templates may run a shell in an exec step (the scan allows it): for administrators.
function Trust({ name, version, trusted, onChanged }) {
  const change = useAction(async (value) => api(templateApi(name, 'trust'), { method: 'PUT', body: { trusted: value, version } }));
  async function onChange(e) {
    const box = e.currentTarget;
    const value = box.checked;
    if ((await change.run(value)) === undefined) {
      box.checked = !value;
      return;
    }
    onChanged(value ? `${name} ${version} is trusted now.` : `${name} ${version} is no longer trusted.`);
  }
  return (
    <section aria-labelledby="template-trust-h">
      <h2 id="template-trust-h">Trust</h2>
      <label class="choice toggle">
        <input type="checkbox" checked={trusted} onChange={onChange} disabled={change.busy} />
        Version {version} trusted: its exec steps may run a shell
      </label>
      <p class="hint">Only for a version whose steps an administrator has read: the scan stops refusing shells in it. Trust covers this version's XML as it is now; other versions, and this draft once replaced, need trust of their own.</p>
      <ProblemAlert problem={change.problem} />
    </section>
  );
}
