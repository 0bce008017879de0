import React from 'react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { FakeBackend, limitsFixture, R, runFixture, scenariosFixture, validateWith } from '../../test/services';
import { testIds } from '../testIds';
import { RunForm } from './RunForm';

const input = (field: string) => screen.getByTestId(testIds.runForm.input(field)) as HTMLInputElement;

/** The input whose Field holds el: the nearest ancestor of el that contains an input. */
function inputOfField(el: HTMLElement): HTMLInputElement | null {
  let n: HTMLElement | null = el;
  while (n && !n.querySelector('input')) {
    n = n.parentElement;
  }
  return n?.querySelector('input') ?? null;
}

function renderForm(limits = limitsFixture) {
  const onStarted = jest.fn();
  render(
    <RunForm
      limits={limits}
      scenarios={scenariosFixture}
      permission={{ allowed: true, reason: '' }}
      activeRuns={0}
      onStarted={onStarted}
    />
  );
  return { user: userEvent.setup(), onStarted };
}

async function setField(user: ReturnType<typeof userEvent.setup>, field: string, value: string) {
  await user.clear(input(field));
  if (value !== '') {
    await user.type(input(field), value);
  }
}

const pickModel = (user: ReturnType<typeof userEvent.setup>, name: string) =>
  user.click(within(screen.getByTestId(testIds.runForm.loadModel)).getByRole('radio', { name }));

describe('RunForm load model', () => {
  it('shows the fields of the chosen model only, fixed users first', async () => {
    const { user } = renderForm();
    expect(
      within(screen.getByTestId(testIds.runForm.loadModel)).getByRole('radio', { name: 'Fixed users' })
    ).toBeChecked();
    expect(input('users')).toHaveValue(100);
    expect(input('rampUpSeconds')).toHaveValue(0);
    expect(input('maxRps')).toHaveValue(0);
    expect(screen.queryByTestId(testIds.runForm.input('stages'))).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.runForm.input('rate'))).not.toBeInTheDocument();

    await pickModel(user, 'VU stages');
    expect(input('stages')).toHaveValue('');
    expect(screen.queryByTestId(testIds.runForm.input('users'))).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.runForm.input('rampUpSeconds'))).not.toBeInTheDocument();
    expect(input('maxRps')).toBeInTheDocument();

    await pickModel(user, 'Arrival rate');
    for (const f of ['rate', 'rateStages', 'users', 'maxVus', 'maxRps']) {
      expect(input(f)).toBeInTheDocument();
    }
    expect(screen.queryByTestId(testIds.runForm.input('stages'))).not.toBeInTheDocument();
  });

  it("sends the arrival rate and none of the other models' fields typed before switching", async () => {
    const needsDuration =
      'must be set with a constant arrival rate, which otherwise never ends (or ramp it with rate stages)';
    const b = new FakeBackend()
      .on('POST', `${R}/runs`, { status: 201, data: runFixture({ id: 'r1', state: 'starting' }) })
      .on(
        'POST',
        `${R}/validate`,
        validateWith({
          durationSeconds: (c) => (c.rate && !c.rateStages && c.durationSeconds === 0 ? needsDuration : undefined),
        })
      )
      .install();
    const { user, onStarted } = renderForm();

    // Typed under the closed models, then abandoned.
    await setField(user, 'rampUpSeconds', '30');
    await pickModel(user, 'VU stages');
    await setField(user, 'stages', '30s:100,1m:150');
    await pickModel(user, 'Arrival rate');

    // A constant rate needs a duration: the backend's check says so before anything is sent.
    await setField(user, 'durationSeconds', '0');
    await setField(user, 'rate', '300/s');
    expect(await screen.findByText(needsDuration)).toBeInTheDocument();
    await user.click(screen.getByTestId(testIds.runForm.start));
    expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(0);

    await setField(user, 'durationSeconds', '60');
    await setField(user, 'maxVus', '150');
    await user.click(screen.getByTestId(testIds.runForm.start));

    await waitFor(() => expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(1));
    expect(b.callsTo('POST', `${R}/runs`)[0].data).toEqual({
      ...limitsFixture.defaults,
      durationSeconds: 60,
      rate: '300/s',
      maxVus: 150,
      stages: '',
      rampUpSeconds: 0,
    });
    await waitFor(() => expect(onStarted).toHaveBeenCalled());

    // Switching back finds what was typed there.
    await pickModel(user, 'VU stages');
    expect(input('stages')).toHaveValue('30s:100,1m:150');
  });

  it('shows a server error on rateStages under the rate stages input', async () => {
    const msg = 'rateStages: stage 2 "1m:100/h": rate "100/h": unit "h": use /s or /m, e.g. 300/s';
    new FakeBackend().on('POST', `${R}/runs`, { status: 400, data: { error: msg, field: 'rateStages' } }).install();
    const { user } = renderForm();
    await pickModel(user, 'Arrival rate');
    await setField(user, 'rateStages', '30s:10/s,1m:100/s');
    await user.click(screen.getByTestId(testIds.runForm.start));

    const alert = await screen.findByTestId(testIds.runForm.error);
    expect(alert).toHaveTextContent('Invalid setting: rateStages');
    const inline = screen.getAllByText(msg).filter((el) => !alert.contains(el));
    expect(inline).toHaveLength(1);
    expect(inputOfField(inline[0])).toBe(input('rateStages'));

    // Editing the field clears its server error.
    await user.type(input('rateStages'), ',');
    expect(screen.queryAllByText(msg).filter((el) => !alert.contains(el))).toHaveLength(0);
  });

  it("shows the backend's validation under the field it names, asking once typing pauses", async () => {
    const msg = "stage 2 asks for 500 VUs, above the limit of 200 users per run set by the app's maxUsers setting";
    const b = new FakeBackend()
      .on('POST', `${R}/validate`, validateWith({ stages: (c) => (c.stages.includes(':500') ? msg : undefined) }))
      .install();
    const { user } = renderForm();
    await pickModel(user, 'VU stages');
    await setField(user, 'stages', '30s:100,1m:500');
    const err = await screen.findByText(msg);
    expect(inputOfField(err)).toBe(input('stages'));
    const asked = b.callsTo('POST', `${R}/validate`);
    expect(asked.length).toBeLessThan('30s:100,1m:500'.length);
    expect(asked[asked.length - 1].data).toMatchObject({ stages: '30s:100,1m:500', rate: '', rateStages: '' });
    // Starting is refused while the backend says the settings are wrong.
    await user.click(screen.getByTestId(testIds.runForm.start));
    expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(0);
  });
});

describe('RunForm API profile and target check', () => {
  const target = 'http://127.0.0.1:9501';
  const limits = { ...limitsFixture, apiProfiles: ['othersvc', 'wrong token'] };
  const failing = {
    rows: [
      {
        capability: 'auth.login (admin)',
        method: 'POST',
        path: '/api/v1/auth/login',
        status: 200,
        verdict: 'FAIL',
        fix: 'no token at data.token; the login answer has access_token: set token.access: access_token',
        note: '',
      },
      {
        capability: 'users.list',
        method: 'GET',
        path: '/api/v1/users',
        status: 0,
        verdict: 'skipped',
        fix: '',
        note: 'no admin token',
      },
    ],
    fatal: 'the admin login did not give a token',
    passed: false,
  };
  const profileRadio = (name: string) =>
    within(screen.getByTestId(testIds.runForm.apiProfile)).getByRole('radio', { name });

  it('offers no profile picker when the app has none', () => {
    renderForm();
    expect(screen.queryByTestId(testIds.runForm.apiProfile)).not.toBeInTheDocument();
    // The check needs a target URL.
    expect(screen.getByTestId(testIds.runForm.check)).toHaveAttribute('aria-disabled', 'true');
  });

  it('checks the target under the chosen profile, shows the table, and starts the run with that profile', async () => {
    const b = new FakeBackend()
      .on('POST', `${R}/check`, { status: 200, data: failing })
      .on('POST', `${R}/runs`, { status: 201, data: runFixture({ id: 'r1', state: 'starting' }) })
      .install();
    const { user, onStarted } = renderForm(limits);
    expect(profileRadio('Reference API')).toBeChecked();

    await setField(user, 'baseUrl', target);
    await user.click(profileRadio('wrong token'));
    await user.click(screen.getByTestId(testIds.runForm.check));

    const table = await screen.findByTestId(testIds.runForm.checkTable);
    expect(b.callsTo('POST', `${R}/check`)[0].data).toEqual({ baseUrl: target, apiProfile: 'wrong token' });
    const header = within(table)
      .getAllByRole('columnheader')
      .map((h) => h.textContent);
    expect(header).toEqual(['Capability', 'Method and path', 'Status', 'Verdict', 'Fix']);
    const login = screen.getByTestId(testIds.runForm.checkRow(0));
    expect(login).toHaveTextContent('auth.login (admin)');
    expect(login).toHaveTextContent('POST /api/v1/auth/login');
    expect(login).toHaveTextContent('200');
    expect(login).toHaveTextContent('FAIL');
    expect(login).toHaveTextContent('set token.access: access_token');
    expect(screen.getByTestId(testIds.runForm.checkRow(1))).toHaveTextContent('–skippedno admin token');
    expect(screen.getByTestId(testIds.runForm.checkSummary)).toHaveTextContent(
      '1 of 2 checks failed; a run would not work'
    );

    // Another profile: the old table no longer speaks for it.
    await user.click(profileRadio('othersvc'));
    expect(screen.queryByTestId(testIds.runForm.checkTable)).not.toBeInTheDocument();

    await user.click(screen.getByTestId(testIds.runForm.start));
    await waitFor(() => expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(1));
    expect(b.callsTo('POST', `${R}/runs`)[0].data).toEqual({
      ...limitsFixture.defaults,
      baseUrl: target,
      apiProfile: 'othersvc',
    });
    await waitFor(() => expect(onStarted).toHaveBeenCalled());
  });

  it("shows the backend's refusal of a target URL with a path under the target field, and starts nothing", async () => {
    // The words of pkg/plugin (allowlist.go, noPath) for POST /validate's baseUrl.
    const msg =
      '"http://127.0.0.1:9501/api": a path is not taken, only http(s)://host[:port]; give baseUrl http://127.0.0.1:9501 ' +
      "and put /api in front of the API profile's base_path (e.g. base_path: /api/api/v1 for the reference routes; " +
      "an Admin stores API profiles on the app's configuration page, docs/api-profile.md)";
    const b = new FakeBackend()
      .on('POST', `${R}/validate`, validateWith({ baseUrl: (c) => (c.baseUrl.endsWith('/api') ? msg : undefined) }))
      .install();
    const { user } = renderForm(limits);
    await setField(user, 'baseUrl', `${target}/api`);
    const err = await screen.findByText(msg);
    expect(inputOfField(err)).toBe(input('baseUrl'));
    await user.click(screen.getByTestId(testIds.runForm.start));
    expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(0);
    // The URL without the path is taken.
    await setField(user, 'baseUrl', target);
    await waitFor(() => expect(screen.queryByText(msg)).not.toBeInTheDocument());
  });

  it('shows why the check was refused', async () => {
    const msg =
      "baseUrl: http://127.0.0.1:9999/ is not in the app's allowedTargets; an Admin can add a prefix that covers it";
    new FakeBackend().on('POST', `${R}/check`, { status: 403, data: { error: msg, field: 'baseUrl' } }).install();
    const { user } = renderForm(limits);
    await setField(user, 'baseUrl', 'http://127.0.0.1:9999');
    await user.click(screen.getByTestId(testIds.runForm.check));
    const alert = await screen.findByTestId(testIds.runForm.checkError);
    expect(alert).toHaveTextContent('Not allowed');
    expect(alert).toHaveTextContent("is not in the app's allowedTargets");
    expect(screen.queryByTestId(testIds.runForm.checkTable)).not.toBeInTheDocument();
  });
});
