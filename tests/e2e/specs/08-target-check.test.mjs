// API profiles and Check target: the Admin stores two named profiles on the
// configuration page (the engine parses them on save); the Editor picks one for the
// host's external reference target, presses Check target and reads the engine's check
// table before Start — a wrong token path fails the admin login with the fix, the right
// profile passes — and starts the run with the chosen profile.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import {
  api,
  APP,
  ARTIFACTS,
  BASE_URL,
  ids,
  poll,
  RESOURCES,
  screenshot,
  SETTINGS,
  withPage,
  withSavedSettings,
} from './support.mjs';

const PROFILES = [
  { name: 'usersvc', yaml: 'token:\n  access: access_token\n' },
  { name: 'wrong token', yaml: 'token:\n  access: data.token\n' },
];

const ctx = withSavedSettings();

const pickProfile = (page, name) =>
  page
    .getByTestId(ids.runForm.apiProfile)
    .getByRole('radio', { name: new RegExp(`^${name}$`) })
    .check();

async function checkTarget(page) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/check`)),
    page.getByTestId(ids.runForm.check).click(),
  ]);
  assert.equal(res.status(), 200, `POST /check answered ${res.status()} ${await res.text()}`);
  await page.getByTestId(ids.runForm.checkTable).waitFor();
  return res.json();
}

test('the Admin stores API profiles; the Editor checks a target under one and starts with it', async () => {
  const target = await (await fetch(`${BASE_URL}/e2e/target`)).json();
  const res = await api('Admin', 'POST', SETTINGS, {
    jsonData: { ...ctx.saved.jsonData, allowedTargets: [`${target.url}/`] },
    secureJsonData: { targetAdminPassword: target.adminPassword },
  });
  assert.equal(res.status, 200, `saving the allowlist answered ${res.status}`);

  await withPage(ctx.browser, 'profiles-config', async (page) => {
    await page.goto('/plugins/trafficsim-simulator-app?role=Admin');
    for (const [i, p] of PROFILES.entries()) {
      await page.getByTestId(ids.appConfig.profileAdd).click();
      await page.getByTestId(ids.appConfig.profileName(i)).fill(p.name);
      await page.getByTestId(ids.appConfig.profileYaml(i)).fill(p.yaml);
    }
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId(ids.appConfig.saved).waitFor();
    const { data } = await api('Admin', 'GET', SETTINGS);
    assert.deepEqual(data.jsonData.apiProfiles, PROFILES);
  });
  const limits = await api('Viewer', 'GET', `${RESOURCES}/limits`);
  assert.deepEqual(limits.data.apiProfiles, ['usersvc', 'wrong token']);

  await withPage(ctx.browser, 'target-check', async (page) => {
    await page.goto(`${APP}/simulations?role=Editor`);
    await page.getByTestId(ids.runForm.input('baseUrl')).fill(target.url);

    await pickProfile(page, 'wrong token');
    const bad = await checkTarget(page);
    assert.equal(bad.passed, false);
    const login = page.getByTestId(ids.runForm.checkRow(0));
    const loginText = await login.innerText();
    assert.match(loginText, /auth\.login \(admin\)/);
    assert.match(loginText, /POST \/api\/v1\/auth\/login/);
    assert.match(loginText, /FAIL/);
    assert.match(loginText, /no token at data\.token; the login answer has access_token/);
    assert.match(await page.getByTestId(ids.runForm.checkSummary).innerText(), /a run would not work/);
    // The summary and the table together: the wrapper around both.
    const shown = page.getByTestId(ids.runForm.checkTable).locator('..');
    await shown.scrollIntoViewIfNeeded();
    await shown.screenshot({ path: path.join(ARTIFACTS, 'target-check-table.png') });
    await screenshot(page, 'target-check-failed');

    await pickProfile(page, 'usersvc');
    const good = await checkTarget(page);
    assert.equal(good.passed, true, `rows ${JSON.stringify(good.rows.filter((r) => r.verdict === 'FAIL'))}`);
    assert.ok(good.rows.length >= 33, `${good.rows.length} rows`);
    assert.match(
      await page.getByTestId(ids.runForm.checkSummary).innerText(),
      new RegExp(`All ${good.rows.length} checks passed`)
    );
    await screenshot(page, 'target-check-passed');

    // Start with the chosen profile: the POST carries it, and the run names it.
    for (const [f, v] of Object.entries({
      users: '1',
      durationSeconds: '3',
      minRequestCount: '2',
      maxRequestCount: '3',
    })) {
      await page.getByTestId(ids.runForm.input(f)).fill(v);
    }
    const [started] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/runs`) && r.request().method() === 'POST'),
      page.getByTestId(ids.runForm.start).click(),
    ]);
    assert.equal(started.status(), 201, `POST /runs answered ${started.status()} ${await started.text()}`);
    assert.equal(started.request().postDataJSON().apiProfile, 'usersvc');
    const run = await started.json();
    const ended = await poll('the run to end', async () => {
      const { data } = await api('Viewer', 'GET', `${RESOURCES}/runs/${run.id}`);
      return data.endedAt ? data : undefined;
    });
    assert.equal(ended.config.apiProfile, 'usersvc');
    assert.equal(
      ended.state,
      'finished',
      `run ${JSON.stringify(ended.error)} cleanup ${JSON.stringify(ended.cleanup)}`
    );
  });
});
