// Names shared with plugin.json, the backend and the provisioned dashboards; the tests
// check each one against the file it comes from.

/** The app's id (plugin.json). */
export const PLUGIN_ID = 'trafficsim-simulator-app';

/** The nested panel's id (src/panels/control/plugin.json). */
export const CONTROL_PANEL_ID = 'trafficsim-control-panel';

/** Where the app's resources are served (pkg/plugin). */
export const RESOURCES_URL = `/api/plugins/${PLUGIN_ID}/resources`;

/** The app's settings endpoint of Grafana's HTTP API. */
export const SETTINGS_URL = `/api/plugins/${PLUGIN_ID}/settings`;

/** uid of provisioning/dashboards/trafficsim-overview.json. */
export const OVERVIEW_DASHBOARD_UID = 'trafficsim-overview';

/** The overview dashboard's run variable (templating.list[].name). */
export const DASHBOARD_RUN_VARIABLE = 'run';

export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

export enum ROUTES {
  Simulations = 'simulations',
  Scenarios = 'scenarios',
}

/** How often the runs list is refreshed, and a run polled when its live stream is quiet. */
export const RUNS_POLL_MS = 5000;
export const RUN_POLL_MS = 2000;
/** A live stream that sent nothing for this long is treated as down and polling takes over. */
export const LIVE_STALE_MS = 3500;
