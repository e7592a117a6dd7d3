// A link to a page of an area the person may use, else its text alone: no link leads to a page
// that would only refuse them. `needs` is the permission the page reads with.
import { useSession } from '../session.jsx';

export function MaybeLink({ href, needs, children, ...props }) {
  const session = useSession();
  return session.can(needs) ? <a href={href} {...props}>{children}</a> : <span {...props}>{children}</span>;
}
