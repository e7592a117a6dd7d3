// Whether Portico can serve: GET /system/ready (public), shown in the footer of every page.
import { useApi } from '../hooks.js';
import { problemText } from '../problems.js';

export function Readiness() {
  const { data, problem, loading } = useApi('/system/ready');
  let text = 'Checking readiness…';
  if (!loading && data) text = `Ready: schema at migration ${data.schema.current}.`;
  if (!loading && problem) text = `Not ready. ${problemText(problem)}`;
  return <p id="readiness" role="status" class={problem ? 'readiness bad' : 'readiness'}>{text}</p>;
}
