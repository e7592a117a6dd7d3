// A job's log, live: GET /provision/jobs/<id>/log?after=N about once a second while the job is
// not done, each answer's lines appended (coloured by stream), and nothing more once the answer
// says done (then onDone, so the page reads the resource's new state). The view keeps to the end
// while the reader is there, and stays put when they scroll up.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Problem, api } from '../../api.js';
import { ProblemAlert } from '../../components/Problem.jsx';
import { clockText, utcText } from '../../format.js';

const KEEP = 5000;   /* lines kept on the page; the oldest go first */

export function JobLog({ job, onDone }) {
  const [lines, setLines] = useState([]);
  const [done, setDone] = useState(false);
  const [problem, setProblem] = useState(null);
  const box = useRef(null);
  const atEnd = useRef(true);
  const onDoneRef = useRef(onDone);
  onDoneRef.current = onDone;

  useEffect(() => {
    let live = true;
    let after = 0;
    let timer = null;
    async function tick() {
      try {
        const page = await api(`/provision/jobs/${encodeURIComponent(job.id)}/log`, { query: { after } });
        if (!live) return;
        setProblem(null);
        const got = page.lines ?? [];
        if (got.length) setLines((ls) => [...ls, ...got].slice(-KEEP));
        if (typeof page.next === 'number') after = page.next;
        else if (got.length) after = got[got.length - 1].seq;
        if (page.done) {
          setDone(true);
          onDoneRef.current?.();
          return;
        }
        timer = setTimeout(tick, got.length >= 100 ? 50 : 1000);
      } catch (e) {
        if (!live) return;
        if (!(e instanceof Problem)) throw e;
        setProblem(e);
        if (e.status !== 404 && e.status !== 403) timer = setTimeout(tick, 3000);
      }
    }
    tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [job.id]);

  useEffect(() => {
    const el = box.current;
    if (el && atEnd.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  function onScroll() {
    const el = box.current;
    atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  }

  return (
    <div class="job-log-frame">
      <p role="status" class="job-log-status">
        {done
          ? `Job ${job.id} (${job.kind}) has finished: ${lines.length === 1 ? '1 line' : `${lines.length} lines`}.`
          : `Following job ${job.id} (${job.kind}): ${lines.length === 1 ? '1 line' : `${lines.length} lines`} so far…`}
      </p>
      <div class="job-log" ref={box} onScroll={onScroll} tabIndex={0} role="log" aria-label={`Log of job ${job.id}`}>
        {lines.length === 0 && <div class="log-line empty">{done ? '(no output)' : '(waiting for output)'}</div>}
        {lines.map((l) => (
          <div key={l.seq} class={`log-line ${l.stream ?? ''}`}>
            <span class="log-time" aria-hidden="true" title={utcText(l.at)}>{clockText(l.at)}</span>
            {l.stream && l.stream !== 'stdout' && <span class="log-stream">{l.stream}</span>}
            <span class="log-text">{l.line}</span>
          </div>
        ))}
      </div>
      <ProblemAlert problem={problem} />
    </div>
  );
}
