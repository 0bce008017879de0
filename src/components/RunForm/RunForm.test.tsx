import React from 'react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { FakeBackend, limitsFixture, R, runFixture, scenariosFixture } from '../../test/services';
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

function renderForm() {
  const onStarted = jest.fn();
  render(
    <RunForm
      limits={limitsFixture}
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
    const b = new FakeBackend()
      .on('POST', `${R}/runs`, { status: 201, data: runFixture({ id: 'r1', state: 'starting' }) })
      .install();
    const { user, onStarted } = renderForm();

    // Typed under the closed models, then abandoned.
    await setField(user, 'rampUpSeconds', '30');
    await pickModel(user, 'VU stages');
    await setField(user, 'stages', '30s:100,1m:150');
    await pickModel(user, 'Arrival rate');

    // A constant rate needs a duration: the form says so before sending anything.
    await setField(user, 'durationSeconds', '0');
    await setField(user, 'rate', '300/s');
    expect(
      screen.getByText(
        'must be set with a constant arrival rate, which otherwise never ends (or ramp it with rate stages)'
      )
    ).toBeInTheDocument();
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

  it('checks stage targets against maxUsers under the stages input', async () => {
    const { user } = renderForm();
    await pickModel(user, 'VU stages');
    await setField(user, 'stages', '30s:100,1m:500');
    const err = screen.getByText(
      "stage 2 asks for 500 VUs, above the limit of 200 users per run (the app's maxUsers setting)"
    );
    expect(inputOfField(err)).toBe(input('stages'));
  });
});
