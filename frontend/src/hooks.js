// The hooks pages use: reading from the API, running a change against it, and the pages after
// the first of a keyset-paged list.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, Problem } from './api.js';

/**
 * GET path (with query) and keep the answer: {data, problem, loading, reload}. A null path
 * fetches nothing. Refetches when path or query change.
 */
export function useApi(path, query) {
  const [state, setState] = useState({ data: null, problem: null, loading: path !== null });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(query ?? {});
  useEffect(() => {
    if (path === null) return undefined;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api(path, { query }).then(
      (data) => live && setState({ data, problem: null, loading: false }),
      (problem) => live && setState({ data: null, problem: asProblem(problem), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

/**
 * Run an async change: {run, busy, problem, result, clear}. run(...) resolves to fn's result
 * (also kept in result), or to undefined when fn failed with a Problem (then kept in problem
 * for the page to show); clear() forgets both.
 */
export function useAction(fn) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(null);
  const [result, setResult] = useState(null);
  async function run(...args) {
    setBusy(true);
    setProblem(null);
    setResult(null);
    try {
      const answer = await fn(...args);
      setResult(answer);
      return answer;
    } catch (e) {
      setProblem(asProblem(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  const clear = () => {
    setProblem(null);
    setResult(null);
  };
  return { run, busy, problem, result, clear };
}

// Anything that is not a Problem is a bug of ours: let it surface instead of showing it.
function asProblem(e) {
  if (e instanceof Problem) return e;
  throw e;
}

/**
 * The pages after the first of a list the API pages by keyset (rows under `member`, `items` by
 * default, and `next_cursor`), loaded by "More" for the query they belong to (key: the query as
 * text; first: useApi's answer for it). After each, focus goes to the link or button in the first
 * new row of the element given `rows` (a table body or a list), so the keyboard carries on from
 * there. Returns {items, cursor, loadMore, rows, reset}.
 */
export function useMorePages(path, filters, key, first, member = 'items') {
  const [extra, setExtra] = useState(null);
  const more = extra?.key === key ? extra : null;
  const rowsOf = (data) => (data && Array.isArray(data[member]) ? data[member] : []);
  const items = [...rowsOf(first.data), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : first.data?.next_cursor;
  const loadMore = useAction(async () => {
    const page = await api(path, { query: { ...filters, cursor } });
    setExtra({ key, items: [...(more?.items ?? []), ...rowsOf(page)], cursor: page.next_cursor, focus: items.length });
    return page;
  });
  const rows = useRef(null);
  useEffect(() => {
    const el = rows.current;
    if (more?.focus !== undefined) (el?.rows ?? el?.children)?.[more.focus]?.querySelector('a, button')?.focus();
  }, [more]);
  return { items, cursor, loadMore, rows, reset: () => setExtra(null) };
}
