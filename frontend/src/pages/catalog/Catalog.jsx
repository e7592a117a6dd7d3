// The catalog area: its own navigation (browse, my services, import, locations, the report) and
// its pages, each shown to those whose session holds what it needs.
import { Route, Router, useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { useSession } from '../../session.jsx';
import { NotFound } from '../NotFound.jsx';
import { Browser } from './Browser.jsx';
import { Entity } from './Entity.jsx';
import { Import } from './Import.jsx';
import { Location } from './Location.jsx';
import { Locations } from './Locations.jsx';
import { Report } from './Report.jsx';

export function Catalog() {
  const session = useSession();
  const { path, query } = useLocation();
  const browsing = path === '/catalog';
  const mine = browsing && query.mine === 'true';
  const current = (yes) => (yes ? 'page' : undefined);
  return (
    <>
      <nav aria-label="Catalog" class="subnav">
        <ul>
          <li><a href="/catalog" aria-current={current(browsing && !mine)}>Browse</a></li>
          <li><a href="/catalog?mine=true" aria-current={current(mine)}>My services</a></li>
          {session.can('catalog.import') && (
            <li><a href="/catalog/import" aria-current={current(path === '/catalog/import')}>Import</a></li>
          )}
          {session.can('catalog.entity.read') && (
            <>
              <li><a href="/catalog/locations" aria-current={current(path.startsWith('/catalog/locations'))}>Locations</a></li>
              <li><a href="/catalog/report" aria-current={current(path === '/catalog/report')}>Report</a></li>
            </>
          )}
        </ul>
      </nav>
      <Router>
        <Route path="/" component={Browser} />
        <Route path="/mine" component={ToMine} />
        <Route path="/import" component={Import} />
        <Route path="/locations" component={Locations} />
        <Route path="/locations/:id" component={Location} />
        <Route path="/report" component={Report} />
        <Route path="/entity/:kind/:namespace/:name" component={Entity} />
        <Route default component={NotFound} />
      </Router>
    </>
  );
}

// /catalog/mine, a short address for "My services": the browser with mine=true.
function ToMine() {
  const { route } = useLocation();
  useEffect(() => route('/catalog?mine=true', true), []);
  return null;
}
