import React from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { render, screen } from '@testing-library/react';
import { AppRootProps, OrgRole, PluginType } from '@grafana/data';

import { FakeBackend, FakeLive, limitsFixture, R, scenariosFixture, signInAs } from '../../test/services';
import { testIds } from '../testIds';
import App from './App';

const props = {
  basename: '/a/trafficsim-simulator-app',
  meta: {
    id: 'trafficsim-simulator-app',
    name: 'Traffic Simulator',
    type: PluginType.app,
    enabled: true,
    jsonData: {},
  },
  query: {},
  path: '/a/trafficsim-simulator-app',
  onNavChanged: jest.fn(),
} as unknown as AppRootProps;

// Grafana mounts an app's root under /a/<id>/*.
function renderAt(url: string) {
  return render(
    <MemoryRouter initialEntries={[url]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <Routes>
        <Route path="/a/trafficsim-simulator-app/*" element={<App {...props} />} />
      </Routes>
    </MemoryRouter>
  );
}

describe('App routes', () => {
  beforeEach(() => {
    new FakeLive().install();
    signInAs(OrgRole.Editor);
    new FakeBackend()
      .on('GET', `${R}/limits`, { status: 200, data: limitsFixture })
      .on('GET', `${R}/scenarios`, { status: 200, data: { scenarios: scenariosFixture } })
      .on('GET', `${R}/runs`, { status: 200, data: { runs: [] } })
      .install();
  });

  it('opens Simulations by default', async () => {
    renderAt('/a/trafficsim-simulator-app/');
    expect(await screen.findByTestId(testIds.runForm.start)).toBeInTheDocument();
  });

  it('opens Scenarios', async () => {
    renderAt('/a/trafficsim-simulator-app/scenarios');
    expect(await screen.findByTestId(testIds.scenarios.card('mixed'))).toBeInTheDocument();
  });
});
