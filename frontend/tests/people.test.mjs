// Browser tests of people and access, as a story told in order: the built-in binding that lets
// team members read the catalog; a user's page and its edit; a password reset through to the forced
// change at the person's first login; a team's page, its rename, and its delete refused then allowed;
// a team shown as its Group in the catalog, whose members link to their pages. Names carry a stamp,
// so the story runs on a fresh database and again on the same one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, openPage, screenshot } from './browser.mjs';

const stamp = Date.now().toString(36);
const team = `crew-${stamp}`;
const person = `pat-${stamp}`;
const personPassword = `pw-${stamp}-long-enough`;

let browser;
let admin;

before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
  admin = await openPage(browser);
  await logIn(admin.page, 'admin', adminPassword);
});
after(async () => { await browser?.close(); });

test('the bindings page lists the built-in binding that lets every team member read the catalog', async () => {
  const { page } = admin;
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await page.goto(`${base}/admin/bindings`);
    const row = page.getByRole('row').filter({ hasText: 'every member of any team' }).filter({ hasText: 'catalog-reader' });
    await row.getByText('built-in').waitFor();
    assert.match(await row.textContent(), /global/);
    await row.getByRole('button', { name: 'Remove catalog-reader of every member of any team' }).waitFor();
    await screenshot(page, 'bindings-builtin');
  }
  await page.setViewportSize(WIDE);
  assert.deepEqual(admin.problems, []);
});

let personId;
const entity = `tool-${stamp}`;

test('a user\'s page shows their teams, roles and what their teams own; an administrator edits it', async () => {
  const { page } = admin;
  await page.setViewportSize(WIDE);
  const created = await apiChange(page, 'POST', '/iam/teams', { name: team, display_name: 'The Crew' });
  assert.equal(created.status(), 201, await created.text());
  const user = await apiChange(page, 'POST', '/iam/users', { username: person, password: personPassword });
  assert.equal(user.status(), 201, await user.text());
  personId = (await user.json()).id;
  assert.ok((await apiChange(page, 'PUT', `/iam/teams/${team}/members/${personId}`)).ok());
  const put = await apiChange(page, 'PUT', `/catalog/entities/component/default/${entity}`, {
    apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: entity, title: 'Crew tool' },
    spec: { type: 'service', lifecycle: 'production', owner: team },
  });
  assert.ok(put.ok(), await put.text());

  await page.goto(`${base}/admin/users`);
  await page.getByRole('link', { name: person, exact: true }).click();
  await page.getByRole('heading', { name: person, level: 1 }).waitFor();
  const teams = page.getByRole('region', { name: 'Teams', exact: true });
  await teams.getByRole('link', { name: 'The Crew' }).waitFor();
  const roles = page.getByRole('region', { name: 'Roles held', exact: true });
  await roles.getByRole('row').filter({ hasText: 'catalog-reader' }).filter({ hasText: 'as a member of a team' }).waitFor();
  await page.getByRole('link', { name: 'Crew tool' }).waitFor();

  await page.getByRole('button', { name: `Edit ${person}` }).click();
  const form = page.getByRole('region', { name: `Edit ${person}`, exact: true });
  await form.getByLabel('Display name').fill('Pat Person');
  await form.getByLabel('Email').fill(`${person}@example.org`);
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: `Pat Person (${person})`, level: 1 }).waitFor();
  await page.getByText(`${person}@example.org`).waitFor();
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await screenshot(page, 'user-page');
  }
  await page.setViewportSize(WIDE);
});

let temporary;

test('an administrator resets a password: a temporary one shown once, the person\'s sessions ended', async () => {
  const { page } = admin;
  const before = await openPage(browser);
  await logIn(before.page, person, personPassword);

  await page.getByRole('button', { name: `Reset password of ${person}` }).click();
  const confirm = page.getByRole('dialog', { name: `Reset the password of ${person}?` });
  await confirm.getByRole('button', { name: 'Reset password' }).click();
  const shown = page.getByRole('dialog', { name: 'Temporary password' });
  await shown.waitFor();
  temporary = await shown.getByLabel('Temporary password').inputValue();
  assert.ok(temporary.length >= 12);
  assert.match(await shown.textContent(), /1 session ended\./);
  await screenshot(page, 'user-password-reset');
  await shown.getByRole('button', { name: 'Done' }).click();
  await shown.waitFor({ state: 'detached' });
  assert.ok(!(await page.content()).includes(temporary), 'once closed, the temporary password is nowhere on the page');
  await page.getByText('reset: a temporary password that must be changed at the next login').waitFor();

  // the session the person had is over
  await before.page.goto(`${base}/catalog`);
  await before.page.getByText('Your session has ended. Log in again to continue.').waitFor();
  await before.context.close();
});

test('at the first login the person must choose a new password before anything else', async () => {
  const { page, context, problems } = await openPage(browser, { viewport: NARROW });
  await page.goto(`${base}/catalog`);
  await page.getByLabel('Username or email').fill(person);
  await page.getByLabel('Password').fill(temporary);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Choose a new password', level: 1 }).waitFor();
  await page.waitForURL(/\/account\/password$/);
  assert.match(await page.getByRole('main').textContent(), /An administrator reset your password/);
  // elsewhere leads back here
  await page.goto(`${base}/catalog`);
  await page.getByRole('heading', { name: 'Choose a new password', level: 1 }).waitFor();
  await page.waitForURL(/\/account\/password$/);
  await screenshot(page, 'password-forced');
  await page.setViewportSize(WIDE);
  await screenshot(page, 'password-forced');
  await page.setViewportSize(NARROW);

  await page.getByLabel('Temporary password').fill(temporary);
  await page.getByLabel('New password', { exact: true }).fill(temporary);
  await page.getByLabel('New password again').fill(temporary);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Must differ from the current password.').waitFor();
  await page.getByLabel('Temporary password').fill(temporary);
  await page.getByLabel('New password', { exact: true }).fill(`${personPassword}-2`);
  await page.getByLabel('New password again').fill(`${personPassword}-2`);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
  // now a member of a team like any other: the catalog is theirs to read
  await page.goto(`${base}/catalog?q=${entity}`);
  await page.getByRole('link', { name: `default/${entity}` }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();

  // with the password of their own, the next login goes where it was asked to
  const again = await openPage(browser);
  await logIn(again.page, person, `${personPassword}-2`, '/catalog');
  assert.equal(new URL(again.page.url()).pathname, '/catalog');
  await again.context.close();
});

test('a team\'s page: members, roles, what it owns; a rename refused while an entity names it, then made', async () => {
  const { page } = admin;
  await page.goto(`${base}/admin/teams`);
  await page.getByRole('link', { name: team, exact: true }).click();
  await page.getByRole('heading', { name: `The Crew (${team})`, level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Members', exact: true }).getByRole('link', { name: 'Pat Person' }).waitFor();
  await page.getByRole('region', { name: 'What it owns', exact: true }).getByRole('link', { name: 'Crew tool' }).waitFor();
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await screenshot(page, 'team-page');
  }
  await page.setViewportSize(WIDE);

  // the person's page links to the team, and back
  await page.getByRole('link', { name: 'Pat Person' }).click();
  await page.getByRole('heading', { name: `Pat Person (${person})`, level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Teams', exact: true }).getByRole('link', { name: 'The Crew' }).click();
  await page.getByRole('heading', { name: `The Crew (${team})`, level: 1 }).waitFor();

  await page.getByRole('button', { name: `Edit team ${team}` }).click();
  const form = page.getByRole('region', { name: `Edit team ${team}`, exact: true });
  assert.match(await form.textContent(), /cannot be renamed while 1 catalog entity names it/);
  await form.getByLabel('Name', { exact: true }).fill(`${team}-x`);
  await form.getByRole('button', { name: 'Save' }).click();
  const refusal = form.getByRole('alert');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), new RegExp(`team ${team} can't be renamed while 1 catalog entity names it`, 'i'));
  await screenshot(page, 'team-rename-refused');

  const gone = await apiChange(page, 'DELETE', `/catalog/entities/component/default/${entity}`);
  assert.ok(gone.ok(), await gone.text());
  await form.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(new RegExp(`/admin/teams/${team}-x$`));
  await page.getByRole('heading', { name: `The Crew (${team}-x)`, level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Members', exact: true }).getByRole('link', { name: 'Pat Person' }).waitFor();
});

test('a team is shown as its Group in the catalog, whose members link to their pages and back', async () => {
  const { page } = admin;
  const renamed = `${team}-x`;
  await page.getByRole('link', { name: `group:default/${renamed}` }).click();
  await page.getByRole('heading', { name: 'The Crew', level: 1 }).waitFor();
  const portico = page.getByRole('region', { name: 'In Portico', exact: true });
  assert.match(await portico.textContent(), new RegExp(`This Group is the Portico team ${renamed}\\. Portico keeps it in step`));
  await portico.getByRole('list', { name: 'Members in Portico' }).getByRole('link', { name: person }).waitFor();
  // among the relations too, as a Portico user rather than a ref that is not in the catalog
  await page.getByRole('region', { name: 'Has member', exact: true }).getByRole('link', { name: `${person} Portico user` }).waitFor();
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await screenshot(page, 'team-group-entity');
  }
  await page.setViewportSize(WIDE);
  await portico.getByRole('link', { name: person }).click();
  await page.getByRole('heading', { name: `Pat Person (${person})`, level: 1 }).waitFor();
  await page.getByRole('region', { name: 'Teams', exact: true }).getByRole('link', { name: `its group in the catalog ${renamed}` }).click();
  await page.getByRole('heading', { name: 'The Crew', level: 1 }).waitFor();
  await portico.getByRole('link', { name: renamed, exact: true }).click();
  await page.getByRole('heading', { name: `The Crew (${renamed})`, level: 1 }).waitFor();
});

test('a team\'s delete is refused while it has a member, then allowed', async () => {
  const { page } = admin;
  const renamed = `${team}-x`;
  await page.getByRole('button', { name: `Delete team ${renamed}` }).click();
  const confirm = page.getByRole('dialog', { name: `Delete team ${renamed}?` });
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  const refusal = confirm.getByRole('alert');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), new RegExp(`team ${renamed} can't be deleted while it has 1 member`, 'i'));
  await screenshot(page, 'team-delete-refused');
  await confirm.getByRole('button', { name: 'Cancel' }).click();

  assert.ok((await apiChange(page, 'DELETE', `/iam/teams/${renamed}/members/${personId}`)).ok());
  await page.reload();
  await page.getByRole('heading', { name: `The Crew (${renamed})`, level: 1 }).waitFor();
  await page.getByRole('button', { name: `Delete team ${renamed}` }).click();
  await page.getByRole('dialog', { name: `Delete team ${renamed}?` }).getByRole('button', { name: 'Delete', exact: true }).click();
  await page.waitForURL(/\/admin\/teams$/);
  await page.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
  assert.equal(await page.getByRole('link', { name: renamed, exact: true }).count(), 0);
  assert.deepEqual(admin.problems, []);
});

test('explain names the entity\'s owner team and the binding that would allow what is not', async () => {
  const { page } = admin;
  const owners = `${team}-own`;
  const gear = `gear-${stamp}`;
  assert.equal((await apiChange(page, 'POST', '/iam/teams', { name: owners })).status(), 201);
  const put = await apiChange(page, 'PUT', `/catalog/entities/component/default/${gear}`, {
    apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: gear },
    spec: { type: 'service', lifecycle: 'production', owner: owners },
  });
  assert.ok(put.ok(), await put.text());
  await page.goto(`${base}/admin/explain`);
  await page.getByLabel('User', { exact: true }).fill(person);
  await page.getByLabel('Permission').selectOption('catalog.entity.write');
  await page.getByLabel('Entity').fill(`component:default/${gear}`);
  await page.getByRole('button', { name: 'Explain' }).click();
  await page.getByRole('heading', { name: `Not allowed: ${person} does not hold catalog.entity.write` }).waitFor();
  const verdict = page.getByRole('region', { name: /^Not allowed/ });
  assert.match(await verdict.textContent(), new RegExp(`component:default/${gear} is owned by team ${owners}\\.`));
  const needed = verdict.getByRole('note');
  assert.match(await needed.textContent(),
    new RegExp(`What would allow it: A binding of developer \\(or a role holding catalog\\.entity\\.write\\) on team ${owners}\\.`));
  await needed.getByRole('link', { name: 'Bind a role' }).waitFor();
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await screenshot(page, 'explain-needed');
  }
  await page.setViewportSize(WIDE);
  assert.deepEqual(admin.problems, []);
});
