// Browser tests of health checks: on a service's catalog page, its checks with their status and
// a form to add one; the Health page lists what is failing now, linked to the service. The
// looping runner of the browser stack runs the checks (loopback allowed there). At 1280 and 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NARROW, WIDE, adminPassword, apiChange, base, launch, logIn, mainNav, makeTeamAndJoin, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
});
after(async () => { await browser?.close(); });

for (const viewport of [WIDE, NARROW]) {
  test(`health checks on the entity page and the Health page at ${viewport.width} px`, async () => {
    const { context, page, problems } = await openPage(browser, { viewport });
    const tag = `hl${viewport.width}${Date.now().toString(36).slice(-5)}`;
    await logIn(page, 'admin', adminPassword, '/');
    await makeTeamAndJoin(page, tag, `Health ${tag}`);
    const name = `${tag}-api`, entity = `component:default/${name}`;
    const put = await apiChange(page, 'PUT', `/catalog/entities/component/default/${name}`, {
      apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name }, spec: { type: 'service', lifecycle: 'production', owner: `group:${tag}` },
    });
    assert.equal(put.status(), 201, await put.text());
    // a port nothing listens on: the runner finds it critical
    const made = await apiChange(page, 'POST', '/health/checks', { entity, name: 'port', kind: 'tcp', target: '127.0.0.1:1', interval_seconds: 5 });
    assert.equal(made.status(), 201, await made.text());

    await page.goto(`${base}/catalog/entity/component/default/${name}`);
    const section = page.getByRole('region', { name: 'Health checks' });
    const row = section.getByRole('row').filter({ hasText: 'port' });
    await row.getByText('critical').waitFor({ timeout: 20000 });
    assert.match(await row.textContent(), /tcp 127\.0\.0\.1:1/);

    // a ttl check added with the form; markup in its name is refused as a name, never rendered
    await section.getByRole('button', { name: 'Add a health check' }).click();
    const form = page.getByRole('form', { name: 'Add a health check' });
    await form.getByRole('textbox', { name: 'Name' }).fill('<b>x</b>');
    await form.getByRole('combobox', { name: 'Kind' }).selectOption('ttl');
    await form.getByRole('spinbutton', { name: 'A report stays good for (seconds)' }).fill('60');
    await form.getByRole('button', { name: 'Add the check' }).click();
    await form.getByText(/is letters, digits/i).first().waitFor();
    assert.equal(await page.locator('main b').count(), 0);
    await form.getByRole('textbox', { name: 'Name' }).fill('heartbeat');
    await form.getByRole('button', { name: 'Add the check' }).click();
    await section.getByRole('row').filter({ hasText: 'heartbeat' }).waitFor();
    assert.match(await section.textContent(), /2 checks/);

    // the Health page: the failing check, linked to its service
    if (viewport === WIDE) await mainNav(page).getByRole('link', { name: 'Health', exact: true }).click();
    else await page.goto(`${base}/health`);   /* the phone's menu is behind its button */
    await page.getByRole('heading', { name: 'Health', level: 1 }).waitFor();
    const failing = page.getByRole('region', { name: 'Failing health checks' });
    const line = failing.getByRole('row').filter({ hasText: entity });
    await line.first().waitFor();
    assert.match(await line.first().textContent(), /critical/);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    await screenshot(page, 'health');
    await line.first().getByRole('link', { name: entity }).click();
    await page.getByRole('region', { name: 'Health checks' }).waitFor();
    await screenshot(page, 'entity-health');

    // deleted from the entity page
    await page.getByRole('button', { name: 'Delete check port' }).click();
    await page.getByRole('region', { name: 'Health checks' }).getByRole('row').filter({ hasText: 'tcp 127.0.0.1:1' }).waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
    await context.close();
  });
}
