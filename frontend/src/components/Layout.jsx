// The frame of every page once logged in: skip link, top bar with the menu button (narrow
// screens), the search, the notifications bell and the user menu, the navigation, the page
// itself and the footer (readiness, and the API reference).
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { visibleAreas } from '../areas.js';
import { useSession } from '../session.jsx';
import { Readiness } from './Readiness.jsx';
import { GlobalSearch } from './GlobalSearch.jsx';
import { NotificationBell } from './NotificationBell.jsx';
import { UserMenu } from './UserMenu.jsx';
import { useEscape } from './disclosure.js';

export function Layout({ children }) {
  const session = useSession();
  const { path } = useLocation();
  const [navOpen, setNavOpen] = useState(false);
  const main = useRef(null);
  const menuButton = useRef(null);
  const first = useRef(true);

  // After moving to another page, close the menu and put focus at the start of the new content,
  // so that keyboard and screen-reader users start there (not on the initial load).
  useEffect(() => {
    setNavOpen(false);
    if (first.current) first.current = false;
    else main.current.focus();
  }, [path]);

  useEscape(navOpen, () => {
    setNavOpen(false);
    menuButton.current.focus();
  });

  return (
    <>
      <a class="skip-link" href="#main">Skip to main content</a>
      <header class="topbar">
        <button type="button" ref={menuButton} class="menu-button" aria-expanded={navOpen ? 'true' : 'false'}
                aria-controls="site-nav" onClick={() => setNavOpen(!navOpen)}>Menu</button>
        <a class="brand" href="/">Portico</a>
        <GlobalSearch />
        <NotificationBell />
        <UserMenu />
      </header>
      <div class="frame">
        <nav id="site-nav" aria-label="Main" class={navOpen ? 'site-nav open' : 'site-nav'}>
          <ul>
            <li><a href="/" aria-current={path === '/' ? 'page' : undefined}>Home</a></li>
            {visibleAreas(session).map((a) => (
              <li key={a.path}>
                <a href={a.path} aria-current={path === a.path || path.startsWith(`${a.path}/`) ? 'page' : undefined}>
                  {a.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1} ref={main}>{children}</main>
      </div>
      <footer class="footer">
        <Readiness />
        <a href="/status">Platform status</a>
        <a href="/docs/api">API reference</a>
      </footer>
    </>
  );
}
