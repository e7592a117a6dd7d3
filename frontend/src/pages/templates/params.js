// A request's parameters checked as the server checks them (lib/template.c, template_values):
// an integer is a whole number within min and max; a string or secret reference is one line of
// at most 1,000 bytes, within min and max as its length (in bytes of UTF-8, as the server
// counts), matching its pattern as a whole value; a secret reference is a secret path; an enum
// is one of its choices; a required parameter with no default is given. An empty optional
// field is left out (its default applies).
import { ENTITY_KINDS, SEGMENT_PATTERN } from '../secrets/paths.js';

const has = (v) => v !== undefined && v !== null && v !== '';

/** A template pattern as a JS RegExp of the whole value; null when JS cannot read it (the server still checks). */
export function wholeValue(pattern) {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return null;
  }
}

/** The pattern for an input's `pattern` attribute, when the browser can read it (it compiles with the v flag). */
export function htmlPattern(pattern) {
  if (!pattern) return undefined;
  try {
    new RegExp(`^(?:${pattern})$`, 'v');
    return pattern;
  } catch {
    return undefined;
  }
}

const SEGMENT = new RegExp(`^${SEGMENT_PATTERN}$`);

// lib/secret_path: team/<team>/[<environment>/]<name> or entity/<kind>/<namespace>/<entity>/[<environment>/]<name>
function secretPathError(s) {
  if (s.length > 300) return 'a path is at most 300 characters';
  const parts = s.split('/');
  if (parts.some((p) => !SEGMENT.test(p))) return "each segment of a path is 1 to 63 letters, digits, '.', '_' or '-' (not starting with '.')";
  const scope = parts[0].toLowerCase();
  if (scope === 'team' && (parts.length === 3 || parts.length === 4)) return null;
  if (scope === 'entity' && (parts.length === 5 || parts.length === 6)) {
    return ENTITY_KINDS.includes(parts[1].toLowerCase()) ? null : "an entity's kind is one of the catalog's (component, api, resource, system, ...)";
  }
  return 'a path is team/<team>/[<environment>/]<name> or entity/<kind>/<namespace>/<entity>/[<environment>/]<name>';
}

function rangeText(p, unit) {
  if (has(p.min) && has(p.max)) return `must be from ${p.min} to ${p.max}${unit}`;
  return has(p.min) ? `must be at least ${p.min}${unit}` : `must be at most ${p.max}${unit}`;
}

/**
 * Why the value given for parameter p is refused (null: it is right, or left out). `value` is
 * the field's: text, or true/false for a boolean.
 */
export function valueError(p, value) {
  if (p.type === 'boolean') return null;
  const text = String(value ?? '');
  if (text === '') return p.required && !has(p.default) ? 'is required' : null;
  if (p.type === 'integer') {
    if (!/^-?\d+$/.test(text) || text.replace('-', '').length > 18) return 'must be a whole number';
    const n = Number(text);
    if ((has(p.min) && n < Number(p.min)) || (has(p.max) && n > Number(p.max))) return rangeText(p, '');
    return null;
  }
  if (p.type === 'enum') return (p.choices ?? []).includes(text) ? null : 'is not one of the choices';
  const length = new TextEncoder().encode(text).length;   /* the server counts bytes */
  if (length > 1000) return 'must be at most 1000 characters';
  if ((has(p.min) && length < Number(p.min)) || (has(p.max) && length > Number(p.max))) return rangeText(p, ' characters');
  if (/[\r\n]/.test(text)) return 'must be one line of text';
  if (p.type === 'secret-ref') {
    const why = secretPathError(text);
    if (why) return why;
  }
  if (p.pattern) {
    const re = wholeValue(p.pattern);
    if (re && !re.test(text)) return patternMessage(p);
  }
  return null;
}

// A value the pattern refuses, said for people as lib/template says it: the parameter's help says
// what it takes; a regular expression is not shown.
function patternMessage(p) {
  return p.help ? `must be in the form the template asks for: ${p.help}` : 'must match the format the template asks for';
}


/** The field's first value: the default, as text (or a boolean for a boolean). */
export function initialValue(p) {
  if (p.type === 'boolean') return p.default === true || p.default === 'true';
  if (has(p.default)) return String(p.default);
  if (p.type === 'enum' && p.required && p.choices?.length) return p.choices[0];
  return '';
}

/** The parameters to send: each given value in its JSON type; empty optional fields left out. */
export function parameterValues(parameters, values) {
  const out = {};
  for (const p of parameters) {
    const v = values[p.name];
    if (p.type === 'boolean') out[p.name] = Boolean(v);
    else if (v === '' || v === undefined) continue;
    else if (p.type === 'integer') out[p.name] = Number(v);
    else out[p.name] = v;
  }
  return out;
}
