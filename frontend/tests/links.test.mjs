// A notification's link (src/links.js) in node alone, no browser: only paths of the portal's
// own origin are linked; another origin in any spelling a browser accepts is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portalLink } from '../src/links.js';

test('API paths of requests and resources become their pages', () => {
  assert.equal(portalLink('/api/v1/provision/resources/12'), '/resources/12');
  assert.equal(portalLink('/provision/requests/7'), '/resources/requests/7');
  assert.equal(portalLink('/api/v1/provision/requests/7?x=1'), '/resources/requests/7');
});

test('other paths of the portal stay as they are', () => {
  for (const link of ['/resources', '/catalog/component/default/payments', '/audit?action=x#top', '/'])
    assert.equal(portalLink(link), link, link);
});

test('another origin, a scheme, the API or anything else is not linked', () => {
  const refused = [
    '//evil.example', '/\\evil.example', '\\\\evil.example', '\\/evil.example', '/\\/evil.example',
    '/\t/evil.example', '/\n/evil.example', '/\r/evil.example', '/ /evil.example', ' /x', '/x y', '/x\\y',
    'https://evil.example/', 'http:evil.example', 'javascript:alert(1)', 'JavaScript:alert(1)',
    'data:text/html,x', 'evil.example', '', '/api/v1/iam/users', '/api', '/api?x', '/résumé',
    null, undefined, 42, {},
  ];
  for (const link of refused) assert.equal(portalLink(link), null, JSON.stringify(link));
});

test('a request or resource id is digits: anything else is a plain path, never another origin', () => {
  assert.equal(portalLink('/provision/resources/..%2f..'), '/provision/resources/..%2f..');
  assert.equal(portalLink('/api/v1/provision/resources/%2F%2Fevil.example'), null);
});
