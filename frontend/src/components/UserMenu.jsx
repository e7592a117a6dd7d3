// The user menu: who is logged in, their account pages, and logging out. A disclosure button;
// Escape or a click elsewhere closes it.
import { useLocation } from 'preact-iso';
import { useSession } from '../session.jsx';
import { useDisclosure } from './disclosure.js';

export function UserMenu() {
  const session = useSession();
  const { route } = useLocation();
  const { open, setOpen, root, button } = useDisclosure();

  async function logout() {
    await session.logout();
    route('/');
  }

  return (
    <div class="user-menu" ref={root}>
      <button type="button" ref={button} aria-expanded={open ? 'true' : 'false'} aria-controls="user-menu-list"
              onClick={() => setOpen(!open)}>
        <span class="visually-hidden">Account of </span>{session.user.username}
      </button>
      <ul id="user-menu-list" class="user-menu-list" hidden={!open}>
        <li><a href="/account/tokens">API tokens</a></li>
        <li><a href="/account/password">Change password</a></li>
        <li><button type="button" onClick={logout}>Log out</button></li>
      </ul>
    </div>
  );
}
