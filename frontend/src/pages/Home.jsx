// The start page: who you are, your roles and teams (with what they own in the catalog), and the
// areas you can go to.
import { visibleAreas } from '../areas.js';
import { useSession } from '../session.jsx';
import { Page } from '../components/Page.jsx';
import { heldText } from '../format.js';

export function Home() {
  const session = useSession();
  const { user, teams, roles } = session;
  return (
    <Page title={`Welcome, ${user.display_name || user.username}`}>
      <div class="columns">
        <section aria-labelledby="roles-h">
          <h2 id="roles-h">Your roles</h2>
          {roles.length === 0 ? <p>You hold no role yet: an administrator can give you or your team one.</p> : (
            <ul>
              {roles.map((b) => (
                <li key={`${b.role}/${b.scope_type}/${b.scope_id}/${b.via}`}>
                  <strong>{b.role}</strong> {b.scope_type === 'global' ? 'everywhere' : `for ${b.scope_type} ${b.scope_id}`}
                  {b.via !== 'user' && `, ${heldText(b.via)}`}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="teams-h">
          <h2 id="teams-h">Your teams</h2>
          {teams.length === 0 ? <p>You are in no team.</p> : <ul>{teams.map((t) => <li key={t}>{t}</li>)}</ul>}
          {session.can('catalog.entity.read') && <p><a href="/catalog?mine=true">My services</a>: what your teams own in the catalog.</p>}
        </section>
      </div>
      <section aria-labelledby="areas-h">
        <h2 id="areas-h">Areas</h2>
        <ul class="cards">
          {visibleAreas(session).map((a) => (
            <li key={a.path} class="card">
              <a href={a.path}>{a.label}</a>
              <p>{a.about}</p>
            </li>
          ))}
        </ul>
      </section>
    </Page>
  );
}
