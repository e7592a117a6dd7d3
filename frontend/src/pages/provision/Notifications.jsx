// The notifications inbox: what happened to the user's requests and resources (approved,
// rejected, ready, failed, expiring), newest first, unread ones marked; each can be marked read,
// or every one at once. A change is told to the header's bell (notices.js).
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../../api.js';
import { portalLink } from '../../links.js';
import { useAction } from '../../hooks.js';
import { noticesChanged } from '../../notices.js';
import { Done } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { Time } from '../../components/Time.jsx';
import { stateText, useKeysetList } from './shared.js';

export function Notifications({ onRead }) {
  const { query, route } = useLocation();
  const unreadOnly = query.unread === 'true';
  const filters = unreadOnly ? { unread: 'true' } : {};
  const { first, items, cursor, loadMore, rows } = useKeysetList('/provision/notifications', filters, 'notifications');
  const [status, setStatus] = useState('');
  const read = useAction(async (n) => {
    await api(`/provision/notifications/${n.id}/read`, { method: 'POST' });
    setStatus(`Marked "${n.subject}" as read.`);
    first.reload();
    onRead?.();
    noticesChanged();
    return true;
  });
  const readAll = useAction(async () => {
    const newest = first.data?.notifications?.[0]?.id;
    const answer = await api('/provision/notifications/read-all', { method: 'POST', body: newest ? { up_to: newest } : {} });
    setStatus(answer.read === 1 ? 'Marked 1 notification as read.' : `Marked ${answer.read} notifications as read.`);
    first.reload();
    onRead?.();
    noticesChanged();
    return true;
  });
  const unread = first.data?.unread ?? items.filter((n) => !n.read_at).length;
  return (
    <Page title="Notifications" intro="What happened to your requests and resources.">
      <p role="status" class="unread-count">{first.data && (unread === 0 ? 'No unread notifications.' : `${unread} unread.`)}</p>
      <label class="choice toggle">
        <input type="checkbox" checked={unreadOnly} onChange={(e) => route(e.currentTarget.checked ? '/resources/notifications?unread=true' : '/resources/notifications')} />
        Unread only
      </label>
      {unread > 0 && <div class="actions"><button type="button" onClick={() => readAll.run()} disabled={readAll.busy}>Mark all read</button></div>}
      <Done>{status}</Done>
      <ProblemAlert problem={first.problem ?? read.problem ?? readAll.problem} />
      {first.loading && !first.data && <p role="status">Loading your notifications…</p>}
      {first.data && (items.length === 0 ? <p class="notice">{unreadOnly ? 'Nothing unread.' : 'No notifications yet.'}</p> : (
        <ul class="notifications" ref={rows}>
          {items.map((n) => {
            const href = portalLink(n.link);
            return (
              <li key={n.id} class={n.read_at ? 'notification' : 'notification unread'}>
                <div>
                  {!n.read_at && <span class="badge">new</span>} <span class="hint">{stateText(n.kind)}</span>
                  <p class="notification-subject">{href ? <a href={href}>{n.subject}</a> : n.subject}</p>
                  <p class="hint"><Time at={n.created_at} relative /></p>
                </div>
                {!n.read_at && (
                  <button type="button" onClick={() => read.run(n)} disabled={read.busy}>Mark read<span class="visually-hidden">: {n.subject}</span></button>
                )}
              </li>
            );
          })}
        </ul>
      ))}
      <ProblemAlert problem={loadMore.problem} />
      {cursor && <div class="actions"><button type="button" onClick={() => loadMore.run()} disabled={loadMore.busy}>More</button></div>}
    </Page>
  );
}
