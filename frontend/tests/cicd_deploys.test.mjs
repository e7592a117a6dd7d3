// Browser tests of deploys and the delivery pages: a maintainer sets an integration up to deploy
// on its setup page (the credential not shown again); a developer deploys from the entity's page
// and lands on the deploy, waiting for approval; a maintainer approves it there; Home shows the
// developer's deploy and the team's failing pipeline; a security finding's markup is text; the
// rollback button asks for the version before; the team's dashboard draws its charts with uPlot,
// which no other page loads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { WIDE, NARROW, adminPassword, apiChange, base, launch, logIn, makeTeamAndJoin, openPage, screenshot } from './browser.mjs';
import { makePerson, passwordOf } from './people.mjs';

let browser;
before(async () => {
  assert.ok(adminPassword, 'PORTICO_TEST_ADMIN_PASSWORD is set (dev.sh test does it)');
  browser = await launch();
});
after(async () => { await browser?.close(); });

/** A generic delivery, signed as docs/cicd.md says ("<timestamp>.<body>"). */
async function deliver(id, secret, delivery, payload) {
  const body = JSON.stringify(payload);
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
  const res = await fetch(`${base}/api/v1/cicd/hooks/${id}`, {
    method: 'POST', body,
    headers: { 'Content-Type': 'application/json', 'X-Portico-Event': payload.type, 'X-Portico-Delivery': delivery,
               'X-Portico-Timestamp': ts, 'X-Portico-Signature': signature },
  });
  assert.equal(res.status, 200, await res.text());
}

const ago = (s) => new Date(Date.now() - s * 1000).toISOString();

for (const viewport of [WIDE, NARROW]) {
  test(`deploys and the delivery pages at ${viewport.width} px`, async () => {
    const admin = await openPage(browser, { viewport });
    const page = admin.page;
    const tag = `dp${viewport.width}${Date.now().toString(36).slice(-5)}`;
    await logIn(page, 'admin', adminPassword, '/');
    await makeTeamAndJoin(page, tag, `Deploy ${tag}`);
    const name = `${tag}-web`, entity = `component:default/${name}`;
    const put = await apiChange(page, 'PUT', `/catalog/entities/component/default/${name}`, {
      apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name }, spec: { type: 'service', lifecycle: 'production', owner: `group:${tag}` },
    });
    assert.equal(put.status(), 201, await put.text());
    const made = await apiChange(page, 'POST', '/cicd/integrations', { entity, provider: 'generic', name: 'deployer' });
    assert.equal(made.status(), 201);
    const { id, secret } = await made.json();
    await makePerson(page, `${tag}-dev`, { role: 'developer', team: tag, member: true });
    await makePerson(page, `${tag}-lead`, { role: 'maintainer', team: tag, member: true });

    // what the provider reported: v1 then v2 in production, a failing pipeline, and a finding with markup
    await deliver(id, secret, `${tag}-1`, { type: 'deployment', id: 'd1', environment: 'production', version: 'v1', status: 'success', started_at: ago(7200), finished_at: ago(7100) });
    await deliver(id, secret, `${tag}-2`, { type: 'deployment', id: 'd2', environment: 'production', version: 'v2', status: 'success', started_at: ago(3600), finished_at: ago(3500) });
    await deliver(id, secret, `${tag}-3`, { type: 'run', id: 'r1', name: 'build', branch: 'main', commit: 'c0ffee0000000000000000000000000000000000', status: 'failure', started_at: ago(600), finished_at: ago(500) });
    const runs = await (await page.request.get(`${base}/api/v1/cicd/runs?entity=${encodeURIComponent(entity)}`)).json();
    const sarif = { version: '2.1.0', runs: [{ tool: { driver: { name: 'Semgrep', rules: [{ id: 'xss', properties: { 'security-severity': '7.5' } }] } },
      results: [{ ruleId: 'xss', message: { text: '<img src=y onerror=alert(2)> reaches the page' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'web/page.js' }, region: { startLine: 9 } } }] }] }] };
    const up = await apiChange(page, 'POST', `/cicd/runs/${runs.runs[0].id}/sarif`, JSON.stringify(sarif), 'application/sarif+json');
    assert.equal(up.status(), 201, await up.text());
    const junit = '<testsuite name="unit"><testcase name="ok"/><testcase name="bad"><failure message="no"/></testcase></testsuite>';
    const tests = await apiChange(page, 'POST', `/cicd/runs/${runs.runs[0].id}/junit`, junit, 'application/xml');
    assert.equal(tests.status(), 201, await tests.text());

    // the setup page: deploys through the deployer, one approval for production
    const chartRequests = [];
    page.on('request', (r) => { if (/uPlot/.test(r.url())) chartRequests.push(r.url()); });
    await page.goto(`${base}/catalog/entity/component/default/${name}`);
    const section = page.getByRole('region', { name: 'CI/CD' });
    await section.getByRole('link', { name: 'deployer' }).click();
    const setup = page.getByRole('form', { name: 'Set up deploys' });
    await setup.getByLabel('API').fill('http://127.0.0.1:9/deploy');
    await setup.getByLabel('Credential').fill('s3cr3t-of-the-deployer');
    await setup.getByLabel('Approvals for production').fill('1');
    await setup.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. The credential is in the secrets store').waitFor();
    await page.getByText(/approvals: 1 for production/).waitFor();   /* read again once saved */
    assert.equal(await page.getByText('s3cr3t-of-the-deployer').count(), 0);
    await screenshot(page, 'cicd-integration');

    // the entity's page: the finding as text, running now with its rollback
    await page.goto(`${base}/catalog/entity/component/default/${name}`);
    const findings = section.locator('.table-wrap[aria-label="Open security findings"]');
    await findings.getByText('<img src=y onerror=alert(2)> reaches the page').waitFor();
    assert.equal(await page.locator('img[src="y"]').count(), 0, 'a finding is text');
    assert.match(await section.textContent(), /Open: 0 critical, 1 high/);
    assert.match(await section.locator('.table-wrap[aria-label="Pipeline runs"]').textContent(), /1 of 2 failed/);
    assert.equal(chartRequests.length, 0, 'uPlot is not loaded outside the dashboard');

    // the developer deploys v3: the deploy waits for approval
    const dev = await openPage(browser, { viewport });
    await logIn(dev.page, `${tag}-dev`, passwordOf(`${tag}-dev`), `/catalog/entity/component/default/${name}`);
    const form = dev.page.getByRole('form', { name: 'Deploy a version' });
    await form.getByLabel('Version').fill('v3');
    await form.getByLabel('Why').fill('the new checkout');
    await form.getByRole('button', { name: 'Deploy' }).click();
    await dev.page.getByRole('heading', { name: 'Deploy v3 to production' }).waitFor();
    assert.match(await dev.page.locator(".deploy-state").textContent(), /waiting for approval/);
    assert.match(await dev.page.textContent('main'), /Someone else approves your own deploys/);
    const deployUrl = dev.page.url();
    // Home: my deploy on its way, the team's failing pipeline
    await dev.page.goto(`${base}/`);
    await dev.page.getByRole('region', { name: 'My deploys' }).getByText('Deploy v3 to production').waitFor();
    assert.match(await dev.page.getByRole('region', { name: 'Failing pipelines' }).textContent(), /build on main failed/);
    await screenshot(dev.page, 'cicd-home');

    // the maintainer approves it on its page
    const lead = await openPage(browser, { viewport });
    await logIn(lead.page, `${tag}-lead`, passwordOf(`${tag}-lead`), new URL(deployUrl).pathname);
    await lead.page.getByRole('form', { name: 'Decide on the deploy' }).getByRole('button', { name: 'Approve' }).click();
    await lead.page.getByText('Your approval is recorded: the deploy is waiting for the runner.').waitFor();
    await screenshot(lead.page, 'cicd-deploy');

    // the rollback: v1, the version before v2
    await dev.page.goto(`${base}/catalog/entity/component/default/${name}`);
    await dev.page.getByRole('button', { name: 'Roll back production' }).click();
    await dev.page.getByRole('heading', { name: 'Rollback v1 to production' }).waitFor();
    assert.match(await dev.page.textContent('main'), /A rollback passes no gate/);

    // the dashboard: the team's figures and two charts, uPlot loaded here
    await page.goto(`${base}/cicd?team=${tag}`);
    await page.getByRole('heading', { name: `${tag}, the last 30 days in production` }).waitFor();
    assert.match(await page.textContent('main'), /Deployments2 \(0\.07 a day\)/);
    await page.getByRole('img', { name: 'Deployments a day' }).locator('canvas').waitFor();
    await page.getByRole('img', { name: 'Pipeline runs a day' }).locator('canvas').waitFor();
    assert.ok(chartRequests.length > 0, 'the dashboard loads uPlot');
    await page.getByText('Pipeline runs a day: the numbers').click();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    await screenshot(page, 'cicd-dashboard');
    for (const p of [admin, dev, lead]) assert.deepEqual(p.problems, []);
  });
}
