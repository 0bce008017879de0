// A target outside the allowlist: the backend's refusal (POST /validate as the user types,
// a 403 from POST /runs) is shown readably under the field, and no run starts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, APP, ids, launchBrowser, RESOURCES, screenshot, stopAll, withPage } from './support.mjs';

// Nothing listens there, and the plugin refuses before any request is sent.
const OUTSIDE = 'http://127.0.0.1:9';

let browser;
before(async () => {
  await stopAll();
  browser = await launchBrowser();
});
after(() => browser?.close());

test('a target outside the allowlist is refused and the refusal shown', async () => {
  const before = (await api('Viewer', 'GET', `${RESOURCES}/runs`)).data.runs?.length ?? 0;
  const refused = await api('Editor', 'POST', `${RESOURCES}/runs`, { users: 2, baseUrl: OUTSIDE });
  assert.equal(refused.status, 403);
  assert.equal(refused.data.field, 'baseUrl');
  assert.match(refused.data.error, /allow/i);
  // A path is refused before the allowlist is asked: the engine takes http(s)://host[:port] only.
  const withPath = await api('Editor', 'POST', `${RESOURCES}/runs`, { users: 2, baseUrl: `${OUTSIDE}/api` });
  assert.equal(withPath.status, 400);
  assert.equal(withPath.data.field, 'baseUrl');
  assert.match(
    withPath.data.error,
    /a path is not taken.*give baseUrl http:\/\/127\.0\.0\.1:9 and put \/api in front of the API profile's base_path/
  );
  await withPage(browser, 'allowlist-refusal', async (page) => {
    await page.goto(`${APP}/simulations?role=Editor`);
    const start = page.getByTestId(ids.runForm.start);
    await start.waitFor();
    await page.getByTestId(ids.runForm.input('users')).fill('2');
    const [res] = await Promise.all([
      page.waitForResponse(
        (r) =>
          r.url().endsWith(`${RESOURCES}/validate`) &&
          r.request().method() === 'POST' &&
          r.request().postDataJSON()?.baseUrl === OUTSIDE
      ),
      page.getByTestId(ids.runForm.input('baseUrl')).fill(OUTSIDE),
    ]);
    assert.equal(res.status(), 200);
    const body = await res.json();
    assert.equal(body.ok, false);
    assert.match(body.errors.baseUrl, /allow/i);
    // The backend's words, under the field, while the user types.
    await page.getByText(body.errors.baseUrl.slice(0, 40)).first().waitFor();
    await start.click();
    await screenshot(page, 'allowlist-refusal');
  });
  const afterCount = (await api('Viewer', 'GET', `${RESOURCES}/runs`)).data.runs?.length ?? 0;
  assert.equal(afterCount, before, 'no run was started');
});
