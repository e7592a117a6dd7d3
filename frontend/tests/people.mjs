// What the Home, bell and search tests set up through the API as the administrator: people with
// a role on a team, catalog entities, secrets, a template of a team, requests; and people who act
// through the API alone (a session of their own, no browser page).
import assert from 'node:assert/strict';
import { apiChange, base } from './browser.mjs';

export const passwordOf = (name) => `${name}-password-1`;

/** A user (password: passwordOf(name)), bound as role on team when role is given, a member of team when member. */
export async function makePerson(admin, name, { role, team, member = false } = {}) {
  const made = await apiChange(admin, 'POST', '/iam/users', { username: name, password: passwordOf(name) });
  assert.equal(made.status(), 201, await made.text());
  const { id } = await made.json();
  if (role) {
    const bound = await apiChange(admin, 'POST', '/iam/bindings', { subject_type: 'user', subject: name, role, scope_type: 'team', scope_id: team });
    assert.equal(bound.status(), 201, await bound.text());
  }
  if (member) {
    const joined = await apiChange(admin, 'PUT', `/iam/teams/${team}/members/${id}`);
    assert.ok(joined.ok(), await joined.text());
  }
  return { name, id };
}

export async function makeTeam(admin, name) {
  const made = await apiChange(admin, 'POST', '/iam/teams', { name });
  assert.equal(made.status(), 201, await made.text());
}

/** A catalog Component owned by team. */
export async function makeEntity(admin, name, team, title) {
  const doc = { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name, title }, spec: { type: 'service', lifecycle: 'production', owner: team } };
  const put = await apiChange(admin, 'PUT', `/catalog/entities/component/default/${name}`, doc);
  assert.equal(put.status(), 201, await put.text());
}

export async function makeSecret(admin, path) {
  const put = await apiChange(admin, 'PUT', `/secrets/data/${path}`, { value: 'a value' });
  assert.equal(put.status(), 201, await put.text());
}

/** A noop template of team: dev is taken at once, prod waits for one maintainer's approval. */
export async function makeTemplate(admin, name, team, title) {
  const xml = `<template xmlns="urn:portico:template:1" name="${name}" version="1.0.0">
  <title>${title}</title><description>Says hello, for the Home tests.</description><owner team="${team}"/>
  <parameters><parameter name="name" type="string" required="true" pattern="[a-z][a-z0-9-]{1,30}"/></parameters>
  <policy><environments><environment>dev</environment><environment>prod</environment></environments>
    <approvals environment="prod" count="1" role="maintainer"/><ttl default-days="7" max-days="30"/></policy>
  <steps><step name="hello" driver="noop"><arg name="message">hello {{name}}</arg></step></steps>
  <deprovision><step name="bye" driver="noop"><arg name="message">bye</arg></step></deprovision>
</template>`;
  const made = await apiChange(admin, 'POST', '/templates', xml, 'application/xml');
  assert.equal(made.status(), 201, await made.text());
  const published = await apiChange(admin, 'POST', `/templates/${name}/versions/1.0.0/publish`);
  assert.equal(published.status(), 200, await published.text());
}

/** A session of name's own, through the API only: {call(method, path, body)} answering the parsed JSON (asserting ok). */
export async function actor(browser, name) {
  const context = await browser.newContext();
  const login = await context.request.post(`${base}/api/v1/auth/login`, { data: { username: name, password: passwordOf(name) } });
  assert.equal(login.status(), 200, await login.text());
  const { csrf_token: csrf } = await login.json();
  return {
    context,
    async call(method, path, body) {
      const res = await context.request.fetch(`${base}/api/v1${path}`, { method, data: body, headers: { 'X-CSRF-Token': csrf } });
      assert.ok(res.ok(), `${method} ${path}: ${res.status()} ${await res.text()}`);
      return res.json();
    },
  };
}
