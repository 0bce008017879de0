// As a Viewer: the run form's Start and a running run's Stop are disabled, with the
// reason shown; the backend refuses a Viewer's start as well.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, APP, ids, launchBrowser, poll, RESOURCES, screenshot, stopAll, withPage } from './support.mjs';

const REASON = 'Starting and stopping simulations needs the Editor or Admin role; you are signed in as Viewer.';

let browser;
let runId;
before(async () => {
  await stopAll();
  browser = await launchBrowser();
  // A run for the Viewer to watch, started by an Editor.
  const res = await api('Editor', 'POST', `${RESOURCES}/runs`, {
    users: 1,
    durationSeconds: 60,
    minRequestCount: 1000,
    maxRequestCount: 1000,
    delayMinMs: 200,
    delayMaxMs: 400,
  });
  assert.equal(res.status, 201, JSON.stringify(res.data));
  runId = res.data.id;
});
after(async () => {
  if (runId) {
    await api('Editor', 'POST', `${RESOURCES}/runs/${runId}/stop`, { graceful: false });
  }
  await browser?.close();
});

test('Viewer sees runs with Start and Stop disabled and the reason', async () => {
  await withPage(browser, 'simulations-viewer', async (page) => {
    await page.goto(`${APP}/simulations?role=Viewer`);
    const start = page.getByTestId(ids.runForm.start);
    await start.waitFor();
    assert.equal(await start.isDisabled(), true, 'Start is disabled for a Viewer');
    assert.equal((await page.getByTestId(ids.runForm.disabledReason).innerText()).trim(), REASON);

    const stop = page.getByTestId(ids.runs.stop(runId));
    await stop.waitFor();
    await poll('the run to be running', async () =>
      /running/.test(await page.getByTestId(ids.runs.state(runId)).innerText())
    );
    assert.equal(await stop.isDisabled(), true, 'Stop is disabled for a Viewer');
    assert.match(await page.getByTestId(ids.runs.card(runId)).innerText(), new RegExp(REASON.replace(/[.;]/g, '.')));
    await screenshot(page, 'simulations-viewer');
  });

  // The backend enforces it too: the host passes the Viewer role to CallResource.
  const res = await api('Viewer', 'POST', `${RESOURCES}/runs`, { users: 1 });
  assert.equal(res.status, 403);
  assert.match(res.data.error, /Editors and Admins/);
});
