// What the locations list and a location's page share: a location's status in words, its facts
// (counts, last and next sync), and its actions (sync now, confirm what the deletion guard held
// back, delete with or without its entities), each asking first where it changes much.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { useSession } from '../../session.jsx';
import { ConfirmDialog, useConfirmation } from '../../components/Dialog.jsx';
import { Done } from '../../components/forms.jsx';
import { ProblemAlert } from '../../components/Problem.jsx';
import { useAction } from '../../hooks.js';
import { sentence } from '../../format.js';
import { Time } from '../../components/Time.jsx';

export const locationHref = (id) => `/catalog/locations/${encodeURIComponent(id)}`;
export const locationApi = (id, rest = '') => `/catalog/locations/${encodeURIComponent(id)}${rest}`;

const STATUS_WORDS = {
  pending: 'Waiting for its first sync',
  ok: 'Synced',
  guarded: 'Held by the deletion guard',
  error: 'The last sync failed',
};
const TYPE_WORDS = { file: 'File', git: 'Git repository', url: 'URL' };

export const typeText = (type) => TYPE_WORDS[type] ?? type;

/** A short name for a location: its file, the file in its repository, or its URL. */
export function locationName(loc) {
  if (loc.type === 'git') return `${loc.target} · ${loc.path || 'catalog-info.yaml'}${loc.revision ? ` @ ${loc.revision}` : ''}`;
  return loc.target;
}

/** Is the runner due to read it (registered, or a sync asked for) and has not yet? */
export function waitingForRunner(loc) {
  return loc.status === 'pending' || (loc.next_sync_at && Date.parse(loc.next_sync_at) <= Date.now());
}

/**
 * Syncs asked for on this page: asked(loc) when one is, waiting(loc) until it is done. The runner
 * moves next_sync_at on when it claims a location, before it has read it, so that alone would
 * stop the waiting mid-sync and leave the page on the old status; a sync asked for here is done
 * when last_sync_at (the server's clock, not the browser's) is no longer what it was.
 */
export function useAskedSyncs() {
  const before = useRef(new Map());
  return {
    asked: (loc) => before.current.set(loc.id, loc.last_sync_at ?? null),
    waiting: (loc) => waitingForRunner(loc) ||
      (before.current.has(loc.id) && before.current.get(loc.id) === (loc.last_sync_at ?? null)),
  };
}

/** While `active`, call reload every `ms` (a page that waits for the runner to do something). */
export function useRefresh(active, reload, ms = 2000) {
  useEffect(() => {
    if (!active) return undefined;
    const timer = setTimeout(reload, ms);
    return () => clearTimeout(timer);
  });
}

/** The last sync's message, as the runner wrote it, in a sentence. */
export function LocationMessage({ loc }) {
  return loc.message ? <p class="location-message">{sentence(loc.message)}</p> : null;
}

export function LocationStatus({ loc }) {
  return <span class={`location-status ${loc.status}`}>{STATUS_WORDS[loc.status] ?? loc.status}</span>;
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** The facts of a location: type, team, entities, orphans, the last sync's counts, the schedule. */
export function LocationFacts({ loc }) {
  const last = loc.last_sync_at
    ? <><Time at={loc.last_sync_at} />: {loc.last_added} added, {loc.last_changed} changed, {loc.last_removed} removed</>
    : 'Not yet';
  const next = waitingForRunner(loc) ? 'Now: waiting for the runner' : <Time at={loc.next_sync_at} />;
  return (
    <dl class="facts">
      <dt>Type</dt><dd>{typeText(loc.type)}</dd>
      <dt>Team</dt><dd>{loc.team ?? 'None: any owner'}</dd>
      <dt>Entities</dt><dd>{plural(loc.entities, 'entity', 'entities')}</dd>
      <dt>Orphans</dt><dd>{loc.orphans === 0 ? 'None' : plural(loc.orphans, 'orphan', 'orphans')}</dd>
      <dt>Last sync</dt><dd>{last}</dd>
      <dt>Next sync</dt><dd>{next} (every {plural(loc.interval_seconds, 'second', 'seconds')})</dd>
      <dt>Gone from the file</dt><dd>{loc.on_orphan === 'delete' ? 'Deleted' : 'Kept, as orphans'}</dd>
    </dl>
  );
}

/**
 * Sync now, the guard's confirmation, delete: for those whose session holds
 * catalog.location.write (the API still decides for the location's team, and says so).
 * onChanged(location) after a sync is asked for; onDeleted() after a delete.
 */
export function LocationActions({ loc, onChanged, onDeleted }) {
  const session = useSession();
  const [entities, setEntities] = useState('keep');
  const sync = useAction(async () => {
    const answer = await api(locationApi(loc.id, '/sync'), { method: 'POST' });
    onChanged(answer);
    return answer;
  });
  const confirm = useConfirmation(async () => {
    const answer = await api(locationApi(loc.id, '/sync'), { method: 'POST', query: { confirm: 'true' } });
    onChanged(answer);
    return answer;
  });
  const remove = useConfirmation(async () => {
    const answer = await api(locationApi(loc.id), { method: 'DELETE', query: { entities } });
    onDeleted(answer);
    return answer;
  });
  // "asked for" lasts until the runner has read it
  const lastSync = loc.last_sync_at;
  useEffect(() => sync.clear(), [lastSync]);
  if (!session.can('catalog.location.write')) return null;
  const canDeleteEntities = session.can('catalog.entity.delete');
  const pending = loc.status === 'guarded' ? loc.pending_removals : 0;
  const name = locationName(loc);
  return (
    <div class="location-actions">
      <div class="actions">
        <button type="button" onClick={() => sync.run()} disabled={sync.busy}>Sync now<span class="visually-hidden"> {name}</span></button>
        {pending > 0 && (
          <button type="button" class="primary" onClick={() => confirm.ask(loc)}>
            Confirm {plural(pending, 'removal', 'removals')}<span class="visually-hidden"> of {name}</span>
          </button>
        )}
        <button type="button" class="danger" onClick={() => { setEntities('keep'); remove.ask(loc); }}>
          Delete<span class="visually-hidden"> location {name}</span>
        </button>
      </div>
      <ProblemAlert problem={sync.problem} />
      <Done>{sync.result && 'Asked for: the runner reads it at its next pass.'}</Done>
      <Done>{confirm.action.result && !confirm.subject && `Confirmed: the runner lets the ${plural(confirm.action.result.confirm_removals, 'removal', 'removals')} go ahead at its next pass.`}</Done>

      {confirm.subject && (
        <ConfirmDialog confirmation={confirm} title={`Let ${plural(pending, 'removal', 'removals')} go ahead?`}
                       confirm={`Confirm ${plural(pending, 'removal', 'removals')}`}>
          <p>
            The last sync of <code>{name}</code> would have removed {pending} of its {plural(loc.entities, 'entity', 'entities')},
            more than the deletion guard lets through without asking, so nothing was changed.
          </p>
          {loc.message && <p class="notice">{sentence(loc.message)}</p>}
          <p>
            If the file is as it should be, confirm: at the runner's next pass exactly {pending} may go, and{' '}
            {loc.on_orphan === 'delete' ? 'they are deleted.' : 'they stay in the catalog as orphans.'}{' '}
            If the file was emptied or cut short by mistake, fix it instead and sync again.
          </p>
        </ConfirmDialog>
      )}

      {remove.subject && (
        <ConfirmDialog confirmation={remove} title="Delete this location?" confirm="Delete location">
          <p>The runner stops reading <code>{name}</code>. What becomes of its {plural(loc.entities, 'entity', 'entities')}?</p>
          <fieldset>
            <legend>Its entities</legend>
            <label class="choice">
              <input type="radio" name="entities" value="keep" checked={entities === 'keep'} onChange={() => setEntities('keep')} />
              Keep them, as orphans (they can then be changed by hand)
            </label>
            <label class="choice">
              <input type="radio" name="entities" value="delete" checked={entities === 'delete'} disabled={!canDeleteEntities}
                     onChange={() => setEntities('delete')} />
              Delete them too{canDeleteEntities ? '' : ' (needs catalog.entity.delete, which you do not hold)'}
            </label>
          </fieldset>
        </ConfirmDialog>
      )}
    </div>
  );
}
