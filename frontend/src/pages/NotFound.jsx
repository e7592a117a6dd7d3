// A portal path that names no page.
import { Page } from '../components/Page.jsx';

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>There is no page at this address. <a href="/">Go to the start page</a>.</p>
    </Page>
  );
}
