import React from 'react';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { getDefaultTimeRange, LoadingState, OrgRole, PanelProps, toDataFrame } from '@grafana/data';

import { RunStatus } from '../../api/types';
import { testIds } from '../../components/testIds';
import {
  FakeBackend,
  FakeLive,
  limitsFixture,
  R,
  runFixture,
  scenariosFixture,
  signInAs,
  validateWith,
} from '../../test/services';
import { ControlPanel, pickRun } from './ControlPanel';
import { ControlOptions, defaultControlOptions } from './types';

function panelProps(
  options: Partial<ControlOptions> = {},
  variables: Record<string, string> = {}
): PanelProps<ControlOptions> {
  const timeRange = getDefaultTimeRange();
  return {
    id: 2,
    data: { state: LoadingState.Done, series: [toDataFrame({ fields: [] })], timeRange },
    timeRange,
    timeZone: 'utc',
    options: { ...defaultControlOptions, ...options },
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width: 900,
    height: 260,
    renderCounter: 0,
    title: 'Simulation control',
    eventBus: {
      publish: jest.fn(),
      getStream: jest.fn(),
      subscribe: jest.fn(),
      removeAllListeners: jest.fn(),
      newScopedBus: jest.fn(),
    },
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    onChangeTimeRange: jest.fn(),
    replaceVariables: (s: string) => s.replace(/\$(\w+)/g, (m, name) => variables[name] ?? m),
  } as unknown as PanelProps<ControlOptions>;
}

function backend(runs: RunStatus[]) {
  return new FakeBackend()
    .on('GET', `${R}/limits`, { status: 200, data: limitsFixture })
    .on('GET', `${R}/scenarios`, { status: 200, data: { scenarios: scenariosFixture } })
    .on('GET', `${R}/runs`, () => ({ status: 200, data: { runs } }))
    .install();
}

// Buttons with a tooltip are disabled with aria-disabled (so the tooltip still shows).
const isDisabled = (el: HTMLElement) => el.hasAttribute('disabled') || el.getAttribute('aria-disabled') === 'true';

describe('Simulation control panel', () => {
  let live: FakeLive;
  beforeEach(() => {
    live = new FakeLive().install();
    signInAs(OrgRole.Editor);
  });

  it('starts a run with the panel options over the app defaults, then stops it', async () => {
    const started = runFixture({
      id: 'p1',
      state: 'starting',
      stats: { ...runFixture({ id: 'p1' }).stats, requests: 0, elapsedSeconds: 0 },
    });
    const b = backend([])
      .on('POST', `${R}/runs`, { status: 201, data: started })
      .on('POST', `${R}/runs/p1/stop`, {
        status: 200,
        data: { ...started, state: 'stopping', stats: { ...started.stats, elapsedSeconds: 3 } },
      });
    const user = userEvent.setup();
    render(<ControlPanel {...panelProps({ scenario: 'load_test', users: 20, durationSeconds: 60 })} />);

    const start = await screen.findByTestId(testIds.panel.start);
    await waitFor(() => expect(isDisabled(start)).toBe(false));
    expect(screen.getByLabelText('Users')).toHaveValue(20);
    expect(screen.getByLabelText('Duration (s)')).toHaveValue(60);
    await user.click(start);

    await waitFor(() => expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(1));
    expect(b.callsTo('POST', `${R}/runs`)[0].data).toEqual({
      ...limitsFixture.defaults,
      scenario: 'load_test',
      users: 20,
      durationSeconds: 60,
    });
    expect(await screen.findByTestId(testIds.panel.state)).toHaveTextContent('starting');

    // Live stats of the new run.
    const channel = 'plugin/trafficsim-simulator-app/runs/p1';
    await waitFor(() => expect(live.subscribed(channel)).toBe(true));
    act(() =>
      live.push(
        channel,
        runFixture({ id: 'p1', stats: { ...started.stats, requests: 321, rps: 40.2, elapsedSeconds: 2 } })
      )
    );
    expect(screen.getByTestId(testIds.panel.state)).toHaveTextContent('running');
    expect(screen.getByTestId(testIds.panel.stat('requests'))).toHaveTextContent('321');
    expect(screen.getByTestId(testIds.panel.stat('rps'))).toHaveTextContent('40.2');

    await user.click(screen.getByTestId(testIds.panel.stop));
    await waitFor(() => expect(b.callsTo('POST', `${R}/runs/p1/stop`)).toHaveLength(1));
    expect(b.callsTo('POST', `${R}/runs/p1/stop`)[0].data).toEqual({ graceful: true });
    await waitFor(() => expect(screen.getByTestId(testIds.panel.state)).toHaveTextContent('stopping'));
  });

  it("shows the backend's validation and does not start while it finds a fault", async () => {
    const b = backend([]).on(
      'POST',
      `${R}/validate`,
      validateWith({
        users: (c) =>
          c.users > 200
            ? `${c.users} is above the limit of 200 users per run set by the app's maxUsers setting`
            : undefined,
      })
    );
    const user = userEvent.setup();
    render(<ControlPanel {...panelProps()} />);
    const usersInput = await screen.findByLabelText('Users');
    await waitFor(() => expect(usersInput).toHaveValue(100));
    await user.clear(usersInput);
    await user.type(usersInput, '500');
    expect(await screen.findByText(/users: 500 is above the limit of 200 users per run/)).toBeInTheDocument();
    expect(isDisabled(screen.getByTestId(testIds.panel.start))).toBe(true);
    await user.click(screen.getByTestId(testIds.panel.start));
    expect(b.callsTo('POST', `${R}/runs`)).toHaveLength(0);
  });

  it('shows a 409 from the backend readably', async () => {
    backend([]).on('POST', `${R}/runs`, {
      status: 409,
      data: { error: '2 runs are already active; the limit is 2 (maxConcurrentRuns)' },
    });
    const user = userEvent.setup();
    render(<ControlPanel {...panelProps()} />);
    const start = await screen.findByTestId(testIds.panel.start);
    await waitFor(() => expect(isDisabled(start)).toBe(false));
    await user.click(start);
    const alert = await screen.findByTestId(testIds.panel.error);
    expect(alert).toHaveTextContent('Too many runs');
    expect(alert).toHaveTextContent('2 runs are already active; the limit is 2 (maxConcurrentRuns)');
  });

  it('disables start and stop for Viewers and says why', async () => {
    signInAs(OrgRole.Viewer);
    const b = backend([runFixture({ id: 'r1' })]);
    const user = userEvent.setup();
    render(<ControlPanel {...panelProps()} />);
    const stop = await screen.findByTestId(testIds.panel.stop);
    expect(isDisabled(stop)).toBe(true);
    expect(isDisabled(screen.getByTestId(testIds.panel.start))).toBe(true);
    expect(screen.getByTestId(testIds.panel.disabledReason)).toHaveTextContent(
      'Starting and stopping simulations needs the Editor or Admin role; you are signed in as Viewer.'
    );
    await user.click(stop);
    expect(b.callsTo('POST', `${R}/runs/r1/stop`)).toHaveLength(0);
    // Viewers still see the live figures.
    expect(screen.getByTestId(testIds.panel.stat('requests'))).toHaveTextContent('5,230');
  });

  it('follows the run picked in the dashboard variable', async () => {
    backend([runFixture({ id: 'old', state: 'finished', endedAt: '2026-11-23T03:05:00Z' }), runFixture({ id: 'new' })]);
    render(<ControlPanel {...panelProps({}, { run: 'old' })} />);
    expect(await screen.findByText('Run old')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.panel.state)).toHaveTextContent('finished');
  });
});

describe('pickRun', () => {
  const a = runFixture({ id: 'a', state: 'finished' });
  const b = runFixture({ id: 'b' });
  const c = runFixture({ id: 'c', state: 'failed' });
  it('prefers the selected run, then the variable, then the newest active, then the newest', () => {
    expect(pickRun([a, b, c], 'a', 'c')?.id).toBe('a');
    expect(pickRun([a, b, c], undefined, 'c')?.id).toBe('c');
    expect(pickRun([a, b, c], undefined, '$run')?.id).toBe('b');
    expect(pickRun([a, c], undefined, '.*')?.id).toBe('c');
    expect(pickRun([], undefined, '')).toBeUndefined();
  });
});
