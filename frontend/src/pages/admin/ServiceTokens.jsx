// A service account's tokens, made by an administrator (the account has no password to log in
// with). Scopes must be permissions the account itself holds through its bindings.
import { useApi } from '../../hooks.js';
import { useSession } from '../../session.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Page } from '../../components/Page.jsx';
import { TokenManager } from '../../components/TokenManager.jsx';
import { Problem } from '../../api.js';

export function ServiceTokens({ params }) {
  const session = useSession();
  const id = Number(params.id);
  // The user with this id: the first after id - 1.
  const user = useApi('/iam/users', { after: id - 1, limit: 1 });
  const roles = useApi('/iam/roles');
  const account = user.data?.users.find((u) => u.id === id);
  return (
    <Page title={`Tokens of ${account ? account.username : `user ${params.id}`}`}
          intro="Scripts and CI use these tokens to act as the service account. Its bindings decide what a token may be scoped to.">
      <ProblemAlert problem={user.problem ?? roles.problem} />
      {user.data && !account && <ProblemAlert problem={new Problem({ status: 404, detail: `there is no user ${params.id}` })} />}
      {account && roles.data && (
        session.can('iam.user.write')
          ? <TokenManager base={`/iam/users/${id}/tokens`} scopeChoices={roles.data.permissions}
                          scopeHint="Pick only permissions the service account holds through its bindings." />
          : <p class="notice">You can see these tokens; creating and revoking them is for those who may change users.</p>
      )}
    </Page>
  );
}
