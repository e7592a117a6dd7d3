// The resources area: its own navigation (my resources, my requests, the approvals inbox, the
// notifications with how many are unread) and its pages: a resource at /resources/<id>, a
// request at /resources/requests/<id>.
import { Route, Router, useLocation } from 'preact-iso';
import { useEffect, useRef } from 'preact/hooks';
import { useApi } from '../../hooks.js';
import { useNoticesChanged } from '../../notices.js';
import { useSession } from '../../session.jsx';
import { NotFound } from '../NotFound.jsx';
import { Approvals } from './Approvals.jsx';
import { MyRequests, MyResources } from './Lists.jsx';
import { Notifications } from './Notifications.jsx';
import { Request } from './Request.jsx';
import { Resource } from './Resource.jsx';

export function Resources() {
  const session = useSession();
  const { path } = useLocation();
  // Read again on every page of the area, so that the count follows what was read.
  const unread = useApi('/provision/notifications', { unread: 'true', limit: 1 });
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else unread.reload();
  }, [path]);
  useNoticesChanged(unread.reload);
  const n = unread.data?.unread ?? 0;
  const current = (yes) => (yes ? 'page' : undefined);
  return (
    <>
      <nav aria-label="Resources" class="subnav">
        <ul>
          <li><a href="/resources" aria-current={current(path === '/resources')}>My resources</a></li>
          {session.can('provision.request.read') && (
            <li><a href="/resources/requests" aria-current={current(path === '/resources/requests')}>My requests</a></li>
          )}
          {session.can('provision.request.approve') && (
            <li><a href="/resources/approvals" aria-current={current(path === '/resources/approvals')}>Approvals</a></li>
          )}
          <li>
            <a href="/resources/notifications" aria-current={current(path === '/resources/notifications')}>
              Notifications{n > 0 && <> <span class="count-badge">{n}<span class="visually-hidden"> unread</span></span></>}
            </a>
          </li>
          {session.can('templates.template.read') && <li><a href="/templates">Templates</a></li>}
        </ul>
      </nav>
      <Router>
        <Route path="/" component={MyResources} />
        <Route path="/requests" component={MyRequests} />
        <Route path="/requests/:id" component={Request} />
        <Route path="/approvals" component={Approvals} />
        <Route path="/notifications" component={Notifications} onRead={unread.reload} />
        <Route path="/:id" component={Resource} />
        <Route default component={NotFound} />
      </Router>
    </>
  );
}
