import React from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { testIds } from '../components/testIds';
import { FakeBackend, R, scenariosFixture } from '../test/services';
import { Scenarios } from './Scenarios';

describe('Scenarios page', () => {
  it('lists the built-in scenarios with descriptions, mixes and a link to start one', async () => {
    new FakeBackend().on('GET', `${R}/scenarios`, { status: 200, data: { scenarios: scenariosFixture } }).install();
    render(<Scenarios />);
    for (const s of scenariosFixture) {
      const card = await screen.findByTestId(testIds.scenarios.card(s.name));
      expect(within(card).getByText(s.description)).toBeInTheDocument();
    }
    const mg = screen.getByTestId(testIds.scenarios.card('metrics_generation'));
    // Weights become shares: 1:3 archetypes, 20:80 request groups.
    expect(within(mg).getByText('new_user 25%')).toBeInTheDocument();
    expect(within(mg).getByText('active_user 75%')).toBeInTheDocument();
    expect(within(mg).getByText('user_query 80%')).toBeInTheDocument();
    expect(within(mg).getByRole('link', { name: /use this scenario/i })).toHaveAttribute(
      'href',
      '/a/trafficsim-simulator-app/simulations?scenario=metrics_generation'
    );
    // Journeys, when reported, are one click away.
    await userEvent.click(within(mg).getByText('Journeys'));
    expect(within(mg).getByText(/signup → login → create_profile/)).toBeInTheDocument();
    // The archetypes are explained.
    expect(screen.getByText('power_user')).toBeInTheDocument();
  });

  it('shows a failure to load readably', async () => {
    new FakeBackend()
      .on('GET', `${R}/scenarios`, {
        status: 503,
        data: {
          error: 'engine binary /x/trafficsim_linux_amd64: no such file or directory; install it or set enginePath',
        },
      })
      .install();
    render(<Scenarios />);
    expect(await screen.findByText('Engine unavailable')).toBeInTheDocument();
    expect(screen.getByText(/no such file or directory; install it or set enginePath/)).toBeInTheDocument();
  });
});
