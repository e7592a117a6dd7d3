// Finding things in catalog-info.yaml text, to show the API's problems where they are: the
// documents of a stream (the API numbers them from 0, empty ones not counted) and the line of a
// field path ("documents/3/metadata/name"). A reading of the text's layout, not a YAML parser:
// when it cannot tell, it answers the document's first line.

const BLANK = /^\s*(#.*)?$/;
const indentOf = (line) => /^ */.exec(line)[0].length;

/** The documents of a stream: [{start, end, name}], lines 0-based, end exclusive. */
export function documentsOf(text) {
  const lines = text.split('\n');
  const docs = [];
  let start = 0;
  const close = (end) => {
    let first = start;
    while (first < end && (BLANK.test(lines[first]) || /^%/.test(lines[first]))) first++;
    if (first < end) {
      const meta = lines.slice(first, end).findIndex((l) => /^metadata\s*:/.test(l));
      const name = meta < 0 ? null
        : lines.slice(first + meta + 1, end).map((l) => /^\s+name\s*:\s*(?:"([^"]*)"|'([^']*)'|([^\s#]+))/.exec(l)).find(Boolean);
      docs.push({ start: first, end, name: name ? name[1] ?? name[2] ?? name[3] : null });
    }
  };
  lines.forEach((line, i) => {
    const marker = /^(---|\.\.\.)(\s|$)/.exec(line);
    if (!marker) return;
    close(i);
    // "--- {...}" or "--- !tag": the document starts on the marker's line
    start = marker[1] === '---' && !BLANK.test(line.slice(3)) ? i : i + 1;
    if (start === i) lines[i] = ` ${line.slice(3)}`;
  });
  close(lines.length);
  return docs;
}

/** The 1-based line a field error names ("documents/3/spec/dependsOn/1"), or null for none. */
export function lineOf(text, field) {
  const m = /^documents\/(\d+)(?:\/(.*))?$/.exec(field ?? '');
  if (!m) return null;
  const doc = documentsOf(text)[Number(m[1])];
  if (!doc) return null;
  const lines = text.split('\n');
  let at = doc.start;     // the line found so far
  let from = doc.start;   // where its members may start (its own line, for a list item)
  let indent = -1;        // lines indented this much or less are past its members
  for (const part of (m[2] ?? '').split('/').filter(Boolean)) {
    let found = -1;
    if (/^\d+$/.test(part)) {
      // the part-th item of the list under the key we are at ("- " lines, of one indentation)
      let n = -1;
      let item = -1;
      for (let i = at + 1; i < doc.end && found < 0; i++) {
        if (BLANK.test(lines[i])) continue;
        const ind = indentOf(lines[i]);
        const dash = /^\s*-( |$)/.test(lines[i]);
        if (ind < indent || (ind === indent && !dash)) break;
        if (!dash || (item >= 0 && ind !== item)) continue;
        item = ind;
        if (++n === Number(part)) found = i;
      }
      if (found >= 0) {
        indent = item;
        from = found;
      }
    } else {
      // a key among the members of what we are at (the first member gives their indentation)
      const key = new RegExp(`^(\\s*)(- )?["']?${part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`);
      let member = -1;
      for (let i = from; i < doc.end && found < 0; i++) {
        if (BLANK.test(lines[i])) continue;
        const ind = indentOf(lines[i]);
        if (i > at && ind <= indent) break;
        const k = key.exec(lines[i]);
        const dash = /^(\s*)- /.exec(lines[i]);
        const own = dash && i === from && from === at ? dash[1].length + 2 : ind;
        if (member < 0) member = own;
        if (k && own === member) found = i;
      }
      if (found >= 0) {
        const d = /^(\s*)- /.exec(lines[found]);
        indent = d && found === from && from === at ? d[1].length + 1 : indentOf(lines[found]);
        from = found + 1;
      }
    }
    if (found < 0) break;
    at = found;
  }
  return at + 1;
}
