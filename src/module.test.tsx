// Checks that the names the frontend relies on match the files they come from:
// plugin.json (the single source of truth at the repository root), the nested panel's
// plugin.json, and the provisioned dashboards.
import fs from 'fs';
import path from 'path';
import { AppPlugin, PanelPlugin } from '@grafana/data';

import { CONTROL_PANEL_ID, DASHBOARD_RUN_VARIABLE, OVERVIEW_DASHBOARD_UID, PLUGIN_ID, ROUTES } from './constants';
import { plugin as app } from './module';
import { plugin as panel } from './panels/control/module';

const root = path.resolve(__dirname, '..');
const readJSON = (p: string) => JSON.parse(fs.readFileSync(path.join(root, p), 'utf8'));

describe('plugin wiring', () => {
  const pluginJson = readJSON('plugin.json');

  it('src/plugin.json is the root plugin.json', () => {
    expect(fs.realpathSync(path.join(root, 'src/plugin.json'))).toBe(path.join(root, 'plugin.json'));
    expect(pluginJson.id).toBe(PLUGIN_ID);
    expect(pluginJson.type).toBe('app');
  });

  it('exports an app with a root page and the configuration page', () => {
    expect(app).toBeInstanceOf(AppPlugin);
    expect(app.root).toBeDefined();
    expect(app.configPages?.map((p) => p.id)).toEqual(['configuration']);
  });

  it('declares every page the app routes, and the nested panel', () => {
    const pages = pluginJson.includes.filter((i: { type: string }) => i.type === 'page');
    const paths = pages.map((p: { path: string }) => p.path);
    for (const r of Object.values(ROUTES)) {
      expect(paths).toContain(`/a/%PLUGIN_ID%/${r}`);
    }
    expect(pages.filter((p: { defaultNav?: boolean }) => p.defaultNav)).toHaveLength(1);
    expect(pluginJson.includes).toContainEqual({
      type: 'panel',
      name: 'Simulation control',
      path: 'panels/control/plugin.json',
    });
  });

  it('the nested panel is a panel plugin with the id the dashboard uses', () => {
    expect(panel).toBeInstanceOf(PanelPlugin);
    const panelJson = readJSON('src/panels/control/plugin.json');
    expect(panelJson).toMatchObject({ type: 'panel', id: CONTROL_PANEL_ID, name: 'Simulation control' });
    const dashboard = readJSON('provisioning/dashboards/trafficsim-overview.json');
    expect(dashboard.panels.map((p: { type: string }) => p.type)).toContain(CONTROL_PANEL_ID);
  });

  it('links to the provisioned overview dashboard by its uid and run variable', () => {
    const dashboard = readJSON('provisioning/dashboards/trafficsim-overview.json');
    expect(dashboard.uid).toBe(OVERVIEW_DASHBOARD_UID);
    expect(dashboard.templating.list.map((v: { name: string }) => v.name)).toContain(DASHBOARD_RUN_VARIABLE);
  });

  it('includes only dashboards that exist', () => {
    for (const d of pluginJson.includes.filter((i: { type: string }) => i.type === 'dashboard')) {
      const file = path.join(root, 'provisioning/dashboards', path.basename(d.path));
      expect(fs.existsSync(file)).toBe(true);
    }
  });
});
