// A target outside the allowlist: the backend's 403 is shown readably next to the form,
// and no run starts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, APP, ids, launchBrowser, RESOURCES, screenshot, stopAll, withPage } from './support.mjs';

// Nothing listens there, and the plugin refuses before any request is sent.
const OUTSIDE = 'http://127.0.0.1:9/api';

let browser;
before(async () => {
  await stopAll();
  browser = await launchBrowser();
});
after(() => browser?.close());

test('a target outside the allowlist is refused and the refusal shown', async () => {
  const before = (await api('Viewer', 'GET', `${RESOURCES}/runs`)).data.runs?.length ?? 0;
  await withPage(browser, 'allowlist-refusal', async (page) => {
    await page.goto(`${APP}/simulations?role=Editor`);
    const start = page.getByTestId(ids.runForm.start);
    await start.waitFor();
    await page.getByTestId(ids.runForm.input('users')).fill('2');
    await page.getByTestId(ids.runForm.input('baseUrl')).fill(OUTSIDE);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`${RESOURCES}/runs`) && r.request().method() === 'POST'),
      start.click(),
    ]);
    assert.equal(res.status(), 403);
    const body = await res.json();
    assert.equal(body.field, 'baseUrl');
    assert.match(body.error, /allow/i);

    const alert = page.getByTestId(ids.runForm.error);
    await alert.waitFor();
    const shown = await alert.innerText();
    assert.match(shown, /Not allowed/, 'the alert is headed by what happened');
    assert.ok(
      shown.includes(body.error.replace(/^baseUrl: /, '').slice(0, 40)),
      `the backend's words are shown: ${shown}`
    );
    await screenshot(page, 'allowlist-refusal');
  });
  const afterCount = (await api('Viewer', 'GET', `${RESOURCES}/runs`)).data.runs?.length ?? 0;
  assert.equal(afterCount, before, 'no run was started');
});
