// A page of an area the session may not use: what it is, and why it is not for them, in words.
// The navigation does not lead here; an address typed or kept from before does.
import { Page } from '../components/Page.jsx';
import { ProblemAlert } from '../components/Problem.jsx';
import { refusal } from '../problems.js';

export function Refused({ title, needs }) {
  return (
    <Page title={title}>
      <ProblemAlert problem={refusal(needs)} />
      <p><a href="/">Go to the start page</a></p>
    </Page>
  );
}
