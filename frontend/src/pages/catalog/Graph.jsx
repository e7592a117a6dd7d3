// The dependency graph of an entity, drawn as a picture: an inline SVG laid out here, in layers
// by depth from the entity (left to right), boxes that link to their entities, arrows from an
// entity to what it depends on, edges that close a cycle marked, entities that are not in the
// catalog (dangling) or not the viewer's to read (hidden) drawn apart. A table says the same
// in words for those who do not see the picture.
import { useLocation } from 'preact-iso';
import { Table } from '../../components/Table.jsx';
import { entityHref, parseRef, refLabel } from './refs.js';

const NODE_W = 190;
const NODE_H = 58;
const COL_GAP = 56;
const ROW_GAP = 16;
const PAD = 14;
const LOOP_GAP = 24;   // below the lowest box, where edges back to an earlier layer run
const LOOP_STEP = 12;
const LANE = 28;       // room left and right of the boxes for those edges to go down and up
const NAME_CHARS = 20;  // a line of a box's name (two lines at most)

const clip = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

// A name on one line, or on two, broken after a '-', '.', '_' or '/' where one falls well.
function nameLines(name) {
  if (name.length <= NAME_CHARS) return [name];
  let at = -1;
  for (let i = NAME_CHARS; i >= 6 && at < 0; i--) if ('-._/'.includes(name[i - 1])) at = i;
  if (at < 0) at = NAME_CHARS;
  return [name.slice(0, at), clip(name.slice(at), NAME_CHARS)];
}

/**
 * Positions: nodes in columns by depth; within a column, ordered by where the nodes that lead
 * to them stand (the mean of their places), so that lines cross as little as a single pass can
 * do. An edge into the next column is a curve between the boxes' sides; an edge back to the
 * same or an earlier column (a cycle, or a second way to an entity) leaves by the right side,
 * runs under all the boxes and comes in by the left side, each in its own lane.
 */
export function layout(graph) {
  const { nodes, edges } = graph;
  const layers = [];
  nodes.forEach((n, i) => (layers[n.depth] ??= []).push(i));
  const place = new Array(nodes.length).fill(0);
  const parents = nodes.map(() => []);
  const forward = (e) => nodes[e.to].depth === nodes[e.from].depth + 1;
  for (const e of edges) if (forward(e)) parents[e.to].push(e.from);
  for (let d = 0; d < layers.length; d++) {
    const layer = layers[d] ?? [];
    const centre = (i) => (parents[i].length ? parents[i].reduce((s, p) => s + place[p], 0) / parents[i].length : 0);
    layer.sort((a, b) => centre(a) - centre(b) || nodes[a].ref.localeCompare(nodes[b].ref) || a - b);
    layer.forEach((i, k) => { place[i] = k; });
  }
  const loops = edges.filter((e) => !forward(e)).length;
  const left = PAD + (loops ? LANE : 0);
  const tallest = Math.max(...layers.map((l) => l?.length ?? 0));
  const columnHeight = (n) => n * NODE_H + (n - 1) * ROW_GAP;
  const pos = nodes.map((n, i) => ({
    x: left + n.depth * (NODE_W + COL_GAP),
    y: PAD + (columnHeight(tallest) - columnHeight(layers[n.depth].length)) / 2 + place[i] * (NODE_H + ROW_GAP),
  }));
  const bottom = PAD + columnHeight(tallest);
  let loop = 0;
  const paths = edges.map((e) => {
    const a = pos[e.from];
    const b = pos[e.to];
    if (forward(e)) {
      const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
      return { curve: true, points: [[x1, y1], [x1 + COL_GAP / 2, y1], [x2 - COL_GAP / 2, y2], [x2, y2]] };
    }
    const low = bottom + LOOP_GAP + loop * LOOP_STEP;
    const lane = 8 + ((loop * 5) % (LANE - 12));
    loop++;
    const [y1, y2] = [a.y + NODE_H / 2 + 8, b.y + NODE_H / 2 + 8];
    return {
      curve: false,
      points: [[a.x + NODE_W, y1], [a.x + NODE_W + lane, y1], [a.x + NODE_W + lane, low], [b.x - lane, low], [b.x - lane, y2], [b.x, y2]],
    };
  });
  const columns = layers.length;
  return {
    pos,
    paths,
    width: left + columns * NODE_W + (columns - 1) * COL_GAP + (loops ? LANE : 0) + PAD,
    height: bottom + PAD + (loops ? LOOP_GAP + (loops - 1) * LOOP_STEP + 4 : 0),
  };
}

// The SVG path of an edge, and the middle of it (for a label); reversed, it runs the other way
// (the arrow's head is always at its end).
function pathOf({ curve, points }, reversed) {
  const p = reversed ? [...points].reverse() : points;
  if (curve) {
    const [s, c1, c2, t] = p;
    return {
      d: `M${s} C${c1} ${c2} ${t}`,
      mid: [(s[0] + 3 * c1[0] + 3 * c2[0] + t[0]) / 8, (s[1] + 3 * c1[1] + 3 * c2[1] + t[1]) / 8],
    };
  }
  return { d: `M${p.join(' L')}`, mid: [(p[2][0] + p[3][0]) / 2, p[2][1]] };
}

function nodeName(n) {
  if (n.hidden) return 'hidden entity';
  return refLabel(n.ref);
}

/** The graph of GET .../graph: {ref, direction, depth, nodes, edges, truncated}. */
export function Graph({ graph, title }) {
  const { route } = useLocation();
  const { nodes, edges } = graph;
  const upstream = graph.direction === 'upstream';
  const { pos, paths, width, height } = layout(graph);
  // Arrows mean "depends on": downstream that is from -> to, upstream (dependencyOf) to -> from.
  const dependent = (e) => (upstream ? e.to : e.from);
  const dependency = (e) => (upstream ? e.from : e.to);
  const follow = (e, href) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    route(href);
  };

  return (
    <>
      <div class="graph-frame" tabIndex={0} role="region" aria-label={`${title}, scrolls sideways`}>
        <svg class="graph" role="group" aria-label={title} width={width} height={height} viewBox={`0 0 ${width} ${height}`}
             xmlns="http://www.w3.org/2000/svg">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
            </marker>
            <marker id="arrow-cycle" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" class="arrow-head cycle" />
            </marker>
          </defs>
          <g class="edges">
            {edges.map((e, i) => {
              const { d, mid } = pathOf(paths[i], upstream);
              const text = `${nodeName(nodes[dependent(e)])} depends on ${nodeName(nodes[dependency(e)])}`;
              return (
                <g key={i} class={e.cycle ? 'edge cycle' : 'edge'} data-from={dependent(e)} data-to={dependency(e)}>
                  <title>{e.cycle ? `${text}: this closes a cycle` : text}</title>
                  <path d={d} marker-end={e.cycle ? 'url(#arrow-cycle)' : 'url(#arrow)'} />
                  {e.cycle && (
                    <text x={mid[0]} y={mid[1] - 4} class="edge-label" text-anchor="middle">cycle</text>
                  )}
                </g>
              );
            })}
          </g>
          <g class="nodes">
            {nodes.map((n, i) => {
              const { x, y } = pos[i];
              const r = parseRef(n.ref);
              const state = n.hidden ? 'hidden' : n.dangling ? 'dangling' : i === 0 ? 'root' : 'entity';
              const kind = n.hidden ? 'hidden' : r?.kind ?? '';
              const note = n.hidden ? 'not yours to read' : n.dangling ? 'not in the catalog' : kind;
              const name = n.hidden ? 'hidden' : r ? (r.namespace === 'default' ? r.name : `${r.namespace}/${r.name}`) : n.ref;
              const box = (
                <>
                  <title>{n.hidden ? 'An entity you may not read, or one not in the catalog (not followed further)' : `${n.ref}${n.dangling ? ' (not in the catalog)' : ''}`}</title>
                  <rect x={x} y={y} width={NODE_W} height={NODE_H} rx="6" />
                  <text x={x + 10} y={y + 17} class="node-kind">{note}</text>
                  {nameLines(name).map((line, k, all) => (
                    <text key={k} x={x + 10} y={y + (all.length === 1 ? 40 : 34 + k * 15)} class="node-name">{line}</text>
                  ))}
                </>
              );
              const href = state === 'entity' ? entityHref(n.ref) : null;
              return (
                <g key={i} class={`node ${state}`} data-ref={n.ref} data-depth={n.depth}>
                  {href ? (
                    <a href={href} aria-label={refLabel(n.ref)} onClick={(e) => follow(e, href)}>{box}</a>
                  ) : (
                    <g role="img" aria-label={i === 0 ? `${refLabel(n.ref)} (this entity)` : `${nodeName(n)} (${note})`}>{box}</g>
                  )}
                </g>
              );
            })}
          </g>
        </svg>
      </div>
      <ul class="graph-legend" aria-label="Legend">
        <li><span class="swatch edge-swatch" aria-hidden="true" /> An arrow points from an entity to what it depends on.</li>
        <li><span class="swatch edge-swatch cycle" aria-hidden="true" /> Red and dashed: the dependency closes a cycle.</li>
        <li><span class="swatch node-swatch dangling" aria-hidden="true" /> Dashed box: not in the catalog (a dangling ref).</li>
        <li><span class="swatch node-swatch hidden" aria-hidden="true" /> Grey box: an entity you may not read.</li>
      </ul>
      {graph.truncated && <p class="notice">The graph is too large to show whole: it stops at 2,000 entities.</p>}
      <details class="graph-table">
        <summary>The graph as a table</summary>
        {edges.length === 0 ? <p>No dependencies at this depth.</p> : (
          <Table label="Dependencies in the graph">
            <thead><tr><th scope="col">Entity</th><th scope="col">Depends on</th><th scope="col">Note</th></tr></thead>
            <tbody>
              {edges.map((e, i) => {
                const to = nodes[dependency(e)];
                const notes = [e.cycle && 'closes a cycle', to.dangling && 'not in the catalog', to.hidden && 'hidden'].filter(Boolean);
                return (
                  <tr key={i}>
                    <td>{nodeName(nodes[dependent(e)])}</td>
                    <td>{nodeName(to)}</td>
                    <td>{notes.join(', ')}</td>
                  </tr>
                );
              })}
            </tbody>
          </Table>
        )}
      </details>
    </>
  );
}
