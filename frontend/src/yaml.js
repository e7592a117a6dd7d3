// JSON values written as YAML for people to read (an entity's document as catalog-info.yaml).
// Block style; strings stay plain unless a reader would take them for something else (a number,
// a boolean, null, or YAML syntax), then they are double-quoted as JSON writes them, which YAML
// reads back the same; text of several lines becomes a literal block.

const RESERVED = /^(~|null|true|false|yes|no|on|off|y|n|\.nan|[-+]?\.inf)$/i;
const NUMBERISH = /^[-+.]?[0-9]|^0[xob]/i;
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;

function plainOk(s) {
  return s !== '' && s.trim() === s && !RESERVED.test(s) && !NUMBERISH.test(s) && !INDICATOR.test(s)
    && !/: |:$| #|[\u0000-\u001f\u007f\u2028\u2029]/.test(s);
}

function quoted(s) {
  return plainOk(s) ? s : JSON.stringify(s);
}

// Text of several lines, without a leading blank or space: a literal block (| keeps one final
// line break, |- none). Anything else is quoted.
function literal(s) {
  if (!s.includes('\n') || /^[\s]/.test(s) || /\n\n$|\r|[\u0000-\u0008\u000b-\u001f\u007f]/.test(s)) return null;
  return s.endsWith('\n') ? { head: '|', text: s.slice(0, -1) } : { head: '|-', text: s };
}

const isBlock = (v) => v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

function inline(v) {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  if (typeof v === 'string') return quoted(v);
  return String(v);
}

// `head` is what stands before the value on its line ("key:" or "-"); the lines of the value follow.
function entry(out, pad, head, v) {
  const lit = typeof v === 'string' ? literal(v) : null;
  if (lit) {
    out.push(`${pad}${head} ${lit.head}`);
    for (const line of lit.text.split('\n')) out.push(line ? `${pad}  ${line}` : '');
  } else if (isBlock(v)) {
    const sub = lines(v, `${pad}  `);
    if (head === '-') {
      out.push(`${pad}- ${sub[0].trimStart()}`, ...sub.slice(1));
    } else {
      out.push(`${pad}${head}`, ...sub);
    }
  } else {
    out.push(`${pad}${head} ${inline(v)}`);
  }
}

function lines(v, pad) {
  const out = [];
  if (Array.isArray(v)) for (const item of v) entry(out, pad, '-', item);
  else for (const [k, item] of Object.entries(v)) entry(out, pad, `${quoted(k)}:`, item);
  return out;
}

/** A JSON value as a YAML document (without the "---" that would start it in a stream). */
export function toYaml(value) {
  return isBlock(value) ? `${lines(value, '').join('\n')}\n` : `${inline(value)}\n`;
}
