// What a problem (api.js's Problem: an API answer that failed, or one of the portal's own checks)
// says to people: a heading in words for what kind of failure it is, never HTTP's status text
// ("Unprocessable Content"), and its detail as a sentence. components/Problem.jsx shows them;
// every page that shows a problem goes through it (or, in a status line, problemText).
import { sentence } from './format.js';

const HEADINGS = {
  400: 'Portico could not read that',
  401: 'Not logged in',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Not something that can be done here',
  409: 'Not possible as things are',
  410: 'Gone',
  412: 'Changed meanwhile',
  413: 'Too large',
  415: 'Not a kind of content Portico reads',
  422: 'Some values are not right',
  429: 'Too many requests for now',
  502: 'Another system did not answer as expected',
  503: 'Portico is not available right now',
  504: 'Another system did not answer in time',
};

/** The heading of a problem, in words ("Some values are not right", "Not allowed"). */
export function problemHeading(problem) {
  if (!problem.status) return problem.title || 'Portico cannot be reached';
  return HEADINGS[problem.status] ?? (problem.status >= 500 ? 'Something went wrong in Portico' : 'That did not work');
}

/** The problem's detail as a sentence ('' for none). */
export function problemDetail(problem) {
  if (problem.status === 429 && !problem.detail) return 'Wait a moment and try again.';
  return sentence(problem.detail);
}

/** Heading and detail in one line, for a status line: "Portico is not available right now: ..." */
export function problemText(problem) {
  const detail = problemDetail(problem);
  return detail ? `${problemHeading(problem)}: ${detail}` : `${problemHeading(problem)}.`;
}

/** A field's name as words, for a field error the form does not show: "max_versions" -> "max versions". */
export const fieldText = (field) => field.replace(/[._/]+/g, ' ').trim();
