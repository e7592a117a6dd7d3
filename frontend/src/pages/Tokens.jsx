// The user's own API tokens. A token carries some of the permissions its owner holds.
import { useSession } from '../session.jsx';
import { Page } from '../components/Page.jsx';
import { TokenManager } from '../components/TokenManager.jsx';

export function Tokens() {
  const session = useSession();
  return (
    <Page title="API tokens"
          intro="Tokens let scripts and CI call Portico's API as you, limited to the scopes you pick. Tokens are made here, from a logged-in session, never by another token.">
      <TokenManager base="/auth/tokens" scopeChoices={[...session.permissions].sort()}
                    scopeHint="Permissions you hold; the token can do no more than you can." />
    </Page>
  );
}
