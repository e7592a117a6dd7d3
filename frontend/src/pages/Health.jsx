// What is failing now (GET /health/failing): every health check that is not passing, of the
// services the reader may see, critical first, each linked to its service's page. Read again
// every 15 seconds while the page is open.
import { useEffect } from 'preact/hooks';
import { useApi } from '../hooks.js';
import { Page } from '../components/Page.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { Table } from '../components/Table.jsx';
import { Time } from '../components/Time.jsx';
import { checkOf, healthClass } from './catalog/HealthChecks.jsx';
import { entityHref } from './catalog/refs.js';

export function Health() {
  const failing = useApi('/health/failing');
  const { reload } = failing;
  useEffect(() => {
    const t = setInterval(reload, 15000);
    return () => clearInterval(t);
  }, [reload]);
  const list = failing.data?.checks ?? [];
  return (
    <Page title="Health" intro="Health checks failing now, critical first. Add checks on a service's catalog page; the platform's own status is under Platform status.">
      <ProblemAlert problem={failing.problem} />
      {failing.loading && !failing.data && <p role="status">Loading…</p>}
      {failing.data && (
        <p role="status">{list.length === 0 ? 'Every health check is passing.' : `${list.length} ${list.length === 1 ? 'check is' : 'checks are'} failing.`}</p>
      )}
      {list.length > 0 && (
        <Table label="Failing health checks">
          <thead><tr><th scope="col">Service</th><th scope="col">Check</th><th scope="col">Of</th><th scope="col">Status</th>
            <th scope="col">Last said</th><th scope="col">Since</th></tr></thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id}>
                <td><a href={entityHref(c.entity) ?? '/catalog'}>{c.entity}</a></td>
                <td>{c.name} ({c.kind})</td>
                <td>{checkOf(c)}</td>
                <td><span class={healthClass(c.status)}>{c.status}</span></td>
                <td>{c.output}</td>
                <td><Time at={c.changed_at} relative /></td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Page>
  );
}
