// What may be done to a resource from its list and its page: renew it (for a number of days, or
// the template's default; the server refuses past the template's maximum) and delete it, which
// queues its deprovisioning. Both ask first.
import { useId, useMemo, useState } from 'preact/hooks';
import { Problem, api } from '../../api.js';
import { useAction } from '../../hooks.js';
import { Dialog, ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { Field } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { Time } from '../../components/Time.jsx';
import { resourceName } from './bits.jsx';

export { LIVE } from './shared.js';
/** States in which a resource may be deleted (not while it provisions: 409). */
export const DELETABLE = new Set(['ready', 'failed', 'deprovision_failed']);

export function RenewDialog({ resource, maxDays, defaultDays, onDone, onClose }) {
  const id = useId();
  const [days, setDays] = useState(defaultDays ? String(defaultDays) : '');
  const renew = useAction(async (body) => api(`/provision/resources/${resource.id}/renew`, { method: 'POST', body }));
  const [checked, setChecked] = useState(null);
  async function onSubmit(e) {
    e.preventDefault();
    if (days !== '' && (!/^\d+$/.test(days) || Number(days) < 1 || (maxDays && Number(days) > maxDays))) {
      setChecked(`must be from 1 to ${maxDays ?? 3650} days`);
      return;
    }
    setChecked(null);
    const answer = await renew.run(days === '' ? {} : { ttl_days: Number(days) });
    if (answer !== undefined) onDone(answer ?? {});
  }
  const local = useMemo(() => (checked ? Problem.fields({ ttl_days: checked }) : null), [checked]);
  const problem = local ?? renew.problem;
  return (
    <Dialog title={`Renew ${resourceName(resource)}?`} onClose={onClose}>
      <form onSubmit={onSubmit} noValidate id={id}>
        <p>It expires {resource.expires_at ? <>on <Time at={resource.expires_at} relative /></> : 'never'} now. Renewing sets its expiry to that many days from now.</p>
        <Field label="Days from now" name="ttl_days" type="number" min={1} max={maxDays ?? undefined} value={days}
               onInput={(e) => setDays(e.currentTarget.value)} problem={problem}
               hint={maxDays ? `At most ${maxDays}. Empty: the template's default${defaultDays ? ` (${defaultDays})` : ''}.` : "Empty: the template's default."} />
        <ProblemAlert problem={problem} fields={['ttl_days']} />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={renew.busy}>Renew</button>
        </div>
      </form>
    </Dialog>
  );
}

/** Delete (deprovision) a resource after confirming: useDelete(onDone) -> a confirmation for ConfirmDialog. */
export function useDelete(onDone) {
  return useConfirmation(async (r) => {
    const answer = await api(`/provision/resources/${r.id}`, { method: 'DELETE' });
    onDone(r, answer ?? {});
    return answer ?? {};
  });
}

export function DeleteDialog({ confirmation }) {
  const r = confirmation.subject;
  return (
    <ConfirmDialog confirmation={confirmation} title={`Delete ${resourceName(r)}?`} confirm="Delete">
      <p>Portico runs the deprovisioning steps of {r.template}@{r.version}: what it made in {r.environment} is removed. This cannot be undone.</p>
    </ConfirmDialog>
  );
}
