// The header's bell: how many notices are unread, and a panel with the latest of them, each to
// mark read (following one's link marks it read too), every one at once, and the whole inbox.
// The count is read again every 30 seconds while the page is in view, when the window gets the
// focus back, when the panel opens, and after every change of the inbox (notices.js).
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api.js';
import { useAction, useApi } from '../hooks.js';
import { noticesChanged, useNoticesChanged } from '../notices.js';
import { portalLink } from '../links.js';
import { ProblemAlert } from './Problem.jsx';
import { Time } from './Time.jsx';
import { useDisclosure } from './disclosure.js';

const LATEST = 8;
const POLL_MS = 30000;

export function NotificationBell() {
  const { open, setOpen, root, button } = useDisclosure();
  const heading = useRef(null);
  const latest = useApi('/provision/notifications', { limit: LATEST });
  const { reload } = latest;

  useEffect(() => {
    const poll = setInterval(() => document.visibilityState === 'visible' && reload(), POLL_MS);
    window.addEventListener('focus', reload);
    return () => {
      clearInterval(poll);
      window.removeEventListener('focus', reload);
    };
  }, [reload]);
  useNoticesChanged(reload);
  useEffect(() => {
    if (open) reload();
  }, [open]);

  const notices = latest.data?.notifications ?? [];
  const unread = latest.data?.unread ?? 0;
  // The button pressed goes away with what it marked: the keyboard carries on from the heading.
  const markOne = useAction(async (n, keep) => {
    await api(`/provision/notifications/${n.id}/read`, { method: 'POST' });
    noticesChanged();
    if (!keep) heading.current?.focus();
  });
  const markAll = useAction(async () => {
    await api('/provision/notifications/read-all', { method: 'POST', body: notices.length ? { up_to: notices[0].id } : {} });
    noticesChanged();
    heading.current?.focus();
  });
  const problem = markOne.problem ?? markAll.problem ?? latest.problem;

  return (
    <div class="bell" ref={root}>
      <button type="button" ref={button} class="bell-button" aria-expanded={open ? 'true' : 'false'} aria-controls="bell-panel"
              onClick={() => setOpen(!open)}>
        <svg class="bell-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
          <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
        </svg>
        <span class="visually-hidden">Notifications{unread > 0 ? `, ${unread} unread` : ''}</span>
        {unread > 0 && <span class="count-badge bell-count" aria-hidden="true">{unread > 99 ? '99+' : unread}</span>}
      </button>
      <div id="bell-panel" class="bell-panel" role="region" aria-label="Latest notifications" hidden={!open}>
        <div class="bell-head">
          <h2 ref={heading} tabIndex={-1}>Notifications</h2>
          {unread > 0 && (
            <button type="button" onClick={() => markAll.run()} disabled={markAll.busy}>Mark all read</button>
          )}
        </div>
        <p role="status" class="hint">{latest.data && (unread === 0 ? 'No unread notifications.' : `${unread} unread.`)}</p>
        <ProblemAlert problem={problem} />
        {latest.data && notices.length === 0 && <p>Nothing yet: decisions on your requests and resources about to expire come here.</p>}
        {notices.length > 0 && (
          <ul class="bell-list">
            {notices.map((n) => {
              const href = portalLink(n.link);
              return (
                <li key={n.id} class={n.read_at ? 'bell-item' : 'bell-item unread'}>
                  <div>
                    {!n.read_at && <span class="visually-hidden">Unread: </span>}
                    {href
                      ? <a href={href} onClick={() => !n.read_at && markOne.run(n, true)}>{n.subject}</a>
                      : <span>{n.subject}</span>}
                    <div class="hint"><Time at={n.created_at} relative /></div>
                  </div>
                  {!n.read_at && (
                    <button type="button" class="bell-mark" onClick={() => markOne.run(n)} disabled={markOne.busy}>
                      Mark read<span class="visually-hidden">: {n.subject}</span>
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        <p class="bell-all"><a href="/resources/notifications">See all notifications</a></p>
      </div>
    </div>
  );
}
