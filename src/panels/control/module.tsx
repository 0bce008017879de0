import { PanelPlugin } from '@grafana/data';

import { ControlPanel } from './ControlPanel';
import { ControlOptions, defaultControlOptions } from './types';

export const plugin = new PanelPlugin<ControlOptions>(ControlPanel).setPanelOptions((builder) =>
  builder
    .addTextInput({
      path: 'scenario',
      name: 'Scenario',
      description: "Built-in scenario to start (see the app's Scenarios page). Empty: the app's default.",
      defaultValue: defaultControlOptions.scenario,
    })
    .addNumberInput({
      path: 'users',
      name: 'Virtual users',
      description: "Users of a run started here. 0: the app's default.",
      defaultValue: defaultControlOptions.users,
      settings: { min: 0, integer: true },
    })
    .addNumberInput({
      path: 'durationSeconds',
      name: 'Duration (seconds)',
      description: 'Time limit of a run started here. 0: until every user has made its requests.',
      defaultValue: defaultControlOptions.durationSeconds,
      settings: { min: 0, integer: true },
    })
    .addBooleanSwitch({
      path: 'showRecent',
      name: 'Show recent requests',
      defaultValue: defaultControlOptions.showRecent,
    })
);
