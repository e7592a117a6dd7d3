// An area that is not built yet: what it will hold.
import { Page } from '../components/Page.jsx';

export function Placeholder({ area }) {
  return (
    <Page title={area.label}>
      <p class="notice">This area is not built yet. It will hold:</p>
      <p>{area.about}</p>
    </Page>
  );
}
