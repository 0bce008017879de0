// TLS to a target: the host's HTTPS reference target has a certificate no system
// trusts. The Editor's Check target fails at once naming the target's CA certificate;
// the Admin pastes the CA into the target's TLS block on the configuration page and
// saves (the backend checks the PEM first; afterwards it shows only as configured);
// the Editor's Check target then passes and a run finishes against it. Skip-verify
// shows its red warning.
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

const ctx = withSavedSettings();

async function checkTarget(page, url) {
  await page.goto(`${APP}/simulations?role=Editor`);
  await page.getByTestId(ids.runForm.input('baseUrl')).fill(url);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/check`)),
    page.getByTestId(ids.runForm.check).click(),
  ]);
  assert.equal(res.status(), 200, `POST /check answered ${res.status()} ${await res.text()}`);
  await page.getByTestId(ids.runForm.checkSummary).waitFor();
  return res.json();
}

test("the Admin gives an HTTPS target's CA; the Editor's check then passes and a run finishes", async () => {
  const target = await (await fetch(`${BASE_URL}/e2e/target`)).json();
  const res = await api('Admin', 'POST', SETTINGS, {
    jsonData: { ...ctx.saved.jsonData, allowedTargets: [target.tlsUrl] },
    secureJsonData: { targetAdminPassword: target.adminPassword },
  });
  assert.equal(res.status, 200, `saving the allowlist answered ${res.status}`);

  await withPage(ctx.browser, 'target-tls-untrusted', async (page) => {
    const bad = await checkTarget(page, target.tlsUrl);
    assert.equal(bad.passed, false);
    assert.match(bad.fatal, /not trust; give its CA with the target's CA certificate/);
    assert.match(await page.getByTestId(ids.runForm.checkSummary).innerText(), /CA certificate/);
    await screenshot(page, 'target-tls-untrusted');
  });

  await withPage(ctx.browser, 'target-tls-config', async (page) => {
    await page.goto('/plugins/trafficsim-simulator-app?role=Admin');
    const block = page.getByTestId(ids.appConfig.tls(0));
    assert.match(await block.innerText(), new RegExp(`TLS for ${target.tlsUrl}`));
    // Skip-verify warns in red; it is turned off again: the CA is the way.
    await page.getByTestId(ids.appConfig.tlsField(0, 'insecureSkipVerify')).check({ force: true });
    assert.match(await page.getByTestId(ids.appConfig.tlsWarning(0)).innerText(), /will NOT be verified/);
    await screenshot(page, 'target-tls-skip-verify');
    await page.getByTestId(ids.appConfig.tlsField(0, 'insecureSkipVerify')).uncheck({ force: true });

    await page.getByTestId(ids.appConfig.tlsField(0, 'caCert')).fill('not a certificate');
    assert.match(await block.innerText(), /paste PEM text/);
    await page.getByTestId(ids.appConfig.tlsField(0, 'caCert')).fill(target.caCert);
    const [validated] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/tls/validate`)),
      page.getByRole('button', { name: 'Save', exact: true }).click(),
    ]);
    assert.equal(validated.status(), 200, `POST /tls/validate answered ${await validated.text()}`);
    await page.getByTestId(ids.appConfig.saved).waitFor();
    const ca = page.getByTestId(ids.appConfig.tlsField(0, 'caCert'));
    assert.equal(await ca.inputValue(), 'configured');
    assert.equal(await ca.isDisabled(), true);
    const { data } = await api('Admin', 'GET', SETTINGS);
    const [entry] = data.jsonData.targetTls;
    assert.equal(entry.target, target.tlsUrl);
    assert.equal(data.secureJsonFields[`tls.${entry.id}.caCert`], true);
    assert.ok(!JSON.stringify(data).includes('BEGIN CERTIFICATE'), 'the settings answer carries the PEM');
    await block.scrollIntoViewIfNeeded();
    await block.screenshot({ path: path.join(ARTIFACTS, 'target-tls-block.png') });
  });

  await withPage(ctx.browser, 'target-tls-check', async (page) => {
    const good = await checkTarget(page, target.tlsUrl);
    assert.equal(
      good.passed,
      true,
      `fatal ${good.fatal}; failed ${JSON.stringify(good.rows.filter((r) => r.verdict === 'FAIL'))}`
    );
    assert.match(
      await page.getByTestId(ids.runForm.checkSummary).innerText(),
      new RegExp(`All ${good.rows.length} checks passed`)
    );
    await screenshot(page, 'target-tls-check-passed');
  });

  const started = await api('Editor', 'POST', `${RESOURCES}/runs`, {
    users: 1,
    durationSeconds: 5,
    minRequestCount: 2,
    maxRequestCount: 3,
    delayMinMs: 10,
    delayMaxMs: 20,
    scenario: 'new_user',
    baseUrl: target.tlsUrl,
  });
  assert.equal(started.status, 201, `POST /runs answered ${started.status} ${JSON.stringify(started.data)}`);
  const ended = await poll('the run to end', async () => {
    const { data } = await api('Viewer', 'GET', `${RESOURCES}/runs/${started.data.id}`);
    return data.endedAt ? data : undefined;
  });
  assert.equal(ended.state, 'finished', `run ${JSON.stringify(ended.error)} cleanup ${JSON.stringify(ended.cleanup)}`);
  assert.deepEqual(ended.warnings, []);
});
