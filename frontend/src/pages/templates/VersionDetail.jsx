// One version of a template as the API reads it: its parameters, policy, steps, outputs and
// deprovisioning steps, and the scan's report. Only what it says; the actions are the page's.
import { Table } from '../../components/Table.jsx';
import { Time } from '../../components/Time.jsx';
import { Findings } from './XmlUpload.jsx';

export function Parameters({ parameters }) {
  if (!parameters?.length) return <p>No parameters: a request needs only the environment, the owner and how long.</p>;
  return (
    <Table label="Parameters">
      <thead>
        <tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Label</th><th scope="col">Required</th>
          <th scope="col">Rules</th><th scope="col">Default</th></tr>
      </thead>
      <tbody>
        {parameters.map((p) => (
          <tr key={p.name}>
            <td><code>{p.name}</code></td>
            <td>{p.type}</td>
            <td>{p.label || '—'}{p.help && <div class="hint">{p.help}</div>}</td>
            <td>{p.required ? 'yes' : 'no'}</td>
            <td class="details">{rulesText(p) || '—'}</td>
            <td>{p.default !== undefined && p.default !== null && p.default !== '' ? <code>{String(p.default)}</code> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function rulesText(p) {
  const rules = [];
  if (p.pattern) rules.push(`pattern ${p.pattern}`);
  const has = (v) => v !== undefined && v !== null;
  const what = p.type === 'integer' ? '' : ' characters';
  if (has(p.min) && has(p.max)) rules.push(`${p.min} to ${p.max}${what}`);
  else if (has(p.min)) rules.push(`at least ${p.min}${what}`);
  else if (has(p.max)) rules.push(`at most ${p.max}${what}`);
  if (p.choices?.length) rules.push(`one of ${p.choices.join(', ')}`);
  return rules.join('; ');
}

export function ttlText(ttl) {
  if (!ttl || (!ttl.default_days && !ttl.max_days)) return 'no expiry set by the template';
  const parts = [];
  if (ttl.default_days) parts.push(`${ttl.default_days} ${ttl.default_days === 1 ? 'day' : 'days'} by default`);
  if (ttl.max_days) parts.push(`at most ${ttl.max_days}`);
  return parts.join(', ');
}

export function Policy({ policy }) {
  const p = policy ?? {};
  return (
    <dl class="facts">
      <dt>Environments</dt>
      <dd>{p.environments?.length ? p.environments.join(', ') : 'any'}</dd>
      <dt>Who may request</dt>
      <dd>{p.requester_role ? `whoever holds the role ${p.requester_role} on the owning team` : 'whoever may request resources for the owning team'}</dd>
      <dt>Approvals</dt>
      <dd>
        {p.approvals?.length ? (
          <ul class="plain">
            {p.approvals.map((a) => (
              <li key={a.environment}>{a.environment}: {a.count} {a.count === 1 ? 'approval' : 'approvals'} by a {a.role}</li>
            ))}
          </ul>
        ) : 'none: requests are approved at once'}
      </dd>
      <dt>Lifetime</dt>
      <dd>{ttlText(p.ttl)}</dd>
    </dl>
  );
}

export function Steps({ steps, label }) {
  if (!steps?.length) return <p>None.</p>;
  return (
    <Table label={label}>
      <thead>
        <tr><th scope="col">Step</th><th scope="col">Driver</th><th scope="col">Timeout</th><th scope="col">Arguments</th></tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <tr key={s.name}>
            <td><code>{s.name}</code></td>
            <td>{s.driver}</td>
            <td class="nowrap">{s.timeout_seconds ? `${s.timeout_seconds} s` : 'default'}</td>
            <td class="details">
              {s.program && <div>program <code>{s.program}</code>{s.argv?.length > 0 && <> argv <code>{s.argv.join(' ')}</code></>}</div>}
              {Object.entries(s.args ?? {}).map(([k, v]) => <div key={k}>{k} = <code>{String(v)}</code></div>)}
              {!s.program && Object.keys(s.args ?? {}).length === 0 && '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

export function Outputs({ outputs }) {
  if (!outputs?.length) return <p>None.</p>;
  return (
    <Table label="Outputs">
      <thead><tr><th scope="col">Output</th><th scope="col">From</th><th scope="col">Kept as</th></tr></thead>
      <tbody>
        {outputs.map((o) => (
          <tr key={o.name}>
            <td><code>{o.name}</code></td>
            <td><code>{o.from}</code></td>
            <td>{o.secret ? 'a secret (revealed on request)' : 'plain text'}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** The scan's report: passed, or its findings; or not scanned yet. */
export function ScanReport({ scan }) {
  const findings = scan?.findings ?? [];
  const scanned = scan && (scan.scanned_at || scan.passed !== undefined || findings.length > 0);
  if (!scanned) return <p class="scan-state">Not scanned yet.</p>;
  const passed = scan.passed ?? findings.length === 0;
  return (
    <>
      <p class={passed ? 'scan-state passed' : 'scan-state failed'}>
        {passed ? 'Passed: nothing found.' : `Failed: ${findings.length === 1 ? '1 finding' : `${findings.length} findings`}.`}
        {scan.scanned_at && <span class="hint"> Scanned <Time at={scan.scanned_at} />.</span>}
      </p>
      {!passed && <Findings findings={findings} />}
    </>
  );
}
