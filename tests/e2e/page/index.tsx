// The e2e page (docs/e2e.md): mounts the plugin's real components — the app root with
// its pages, the configuration page and the Simulation control panel — inside
// @grafana/ui's theme, with @grafana/runtime's services pointed at the e2e host. It
// stands in for Grafana's shell only; no plugin component is replaced.
import React, { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes, useLocation, useSearchParams } from 'react-router-dom';
import {
  AppPluginMeta,
  createTheme,
  EventBusSrv,
  getDefaultTimeRange,
  LoadingState,
  PanelProps,
  PluginType,
  ThemeContext,
} from '@grafana/data';
import { Alert, GlobalStyles, LoadingPlaceholder, PanelChrome, Stack, Text, TextLink } from '@grafana/ui';

import { plugin as appPlugin } from '../../../src/module';
import { plugin as panelPlugin } from '../../../src/panels/control/module';
import { ControlOptions, defaultControlOptions } from '../../../src/panels/control/types';
import { getPluginSettings } from '../../../src/api/client';
import { AppSettings } from '../../../src/api/types';
import { PLUGIN_BASE_URL, PLUGIN_ID } from '../../../src/constants';
import pluginJson from '../../../plugin.json';
import { installBackendSrv, installLiveSrv, signIn } from './services';

const role = signIn();
installBackendSrv();
installLiveSrv();

const CONFIG_URL = `/plugins/${PLUGIN_ID}`;
const PANEL_URL = '/e2e/panel';

/** meta is the app's plugin meta as Grafana builds it: plugin.json plus the stored settings. */
async function loadMeta(): Promise<AppPluginMeta<AppSettings>> {
  const s = await getPluginSettings();
  return {
    id: PLUGIN_ID,
    name: pluginJson.name,
    type: PluginType.app,
    info: pluginJson.info as unknown as AppPluginMeta['info'],
    module: `public/plugins/${PLUGIN_ID}/module.js`,
    baseUrl: `public/plugins/${PLUGIN_ID}`,
    enabled: s.enabled,
    pinned: s.pinned,
    jsonData: s.jsonData ?? {},
    secureJsonFields: (s.secureJsonFields ?? {}) as Record<string, boolean>,
  };
}

function Nav() {
  const here = useLocation().pathname;
  const links: Array<[string, string]> = [
    ['Simulations', `${PLUGIN_BASE_URL}/simulations`],
    ['Scenarios', `${PLUGIN_BASE_URL}/scenarios`],
    ['Configuration', CONFIG_URL],
    ['Control panel', PANEL_URL],
  ];
  return (
    <Stack direction="row" gap={2} alignItems="center" wrap="wrap">
      <Text element="h1" variant="h3">
        {pluginJson.name}
      </Text>
      {links.map(([label, href]) => (
        <TextLink key={href} href={href} inline={false} color={here.startsWith(href) ? 'primary' : 'secondary'}>
          {label}
        </TextLink>
      ))}
      <Text color="secondary" data-testid="e2e-signed-in">
        e2e host · signed in as {role}
      </Text>
    </Stack>
  );
}

function AppRoot({ meta }: { meta: AppPluginMeta<AppSettings> }) {
  const Root = appPlugin.root!;
  const location = useLocation();
  return (
    <Root
      meta={meta}
      basename={PLUGIN_BASE_URL}
      onNavChanged={() => {}}
      query={Object.fromEntries(new URLSearchParams(location.search))}
      path={location.pathname}
    />
  );
}

function ConfigPage({ meta }: { meta: AppPluginMeta<AppSettings> }) {
  const page = appPlugin.configPages?.[0];
  if (!page) {
    return <Alert title="The app has no configuration page" />;
  }
  appPlugin.meta = meta;
  const Body = page.body;
  return (
    <Stack direction="column" gap={2}>
      <Text element="h2" variant="h4">
        Administration → Plugins → {pluginJson.name} → {page.title}
      </Text>
      <Body plugin={appPlugin} query={{}} />
    </Stack>
  );
}

/** ControlPanelPage renders the panel as a dashboard would, options from the query. */
function ControlPanelPage() {
  const [params] = useSearchParams();
  const Panel = panelPlugin.panel as React.ComponentType<PanelProps<ControlOptions>>;
  const options: ControlOptions = {
    scenario: params.get('scenario') ?? defaultControlOptions.scenario,
    users: Number(params.get('users') ?? defaultControlOptions.users),
    durationSeconds: Number(params.get('duration') ?? defaultControlOptions.durationSeconds),
    showRecent: params.get('showRecent') === '1' || defaultControlOptions.showRecent,
  };
  const runVar = params.get('var-run');
  const timeRange = getDefaultTimeRange();
  const [eventBus] = useState(() => new EventBusSrv());
  const width = 560;
  const height = 420;
  return (
    <div style={{ width, height }} data-testid="e2e-panel-frame">
      <PanelChrome title="Simulation control" width={width} height={height}>
        {(innerWidth, innerHeight) => (
          <Panel
            id={1}
            title="Simulation control"
            data={{ state: LoadingState.Done, series: [], timeRange }}
            timeRange={timeRange}
            timeZone="utc"
            options={options}
            transparent={false}
            width={innerWidth}
            height={innerHeight}
            fieldConfig={{ defaults: {}, overrides: [] }}
            renderCounter={0}
            eventBus={eventBus}
            onOptionsChange={() => {}}
            onFieldConfigChange={() => {}}
            // As Grafana does: a dashboard variable is replaced, an unknown one left as written.
            replaceVariables={(s) => (runVar !== null ? s.replaceAll('$run', runVar) : s)}
            onChangeTimeRange={() => {}}
          />
        )}
      </PanelChrome>
    </div>
  );
}

function Shell() {
  const [meta, setMeta] = useState<AppPluginMeta<AppSettings> | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    loadMeta().then(setMeta, (e) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  return (
    <div style={{ padding: 16 }}>
      <Stack direction="column" gap={2}>
        <Nav />
        {error && <Alert title="Loading the app settings failed">{error}</Alert>}
        {!meta && !error && <LoadingPlaceholder text="Loading the app…" />}
        {meta && (
          <Routes>
            <Route path={`${PLUGIN_BASE_URL}/*`} element={<AppRoot meta={meta} />} />
            <Route path={CONFIG_URL} element={<ConfigPage meta={meta} />} />
            <Route path={PANEL_URL} element={<ControlPanelPage />} />
            <Route path="*" element={<AppRoot meta={meta} />} />
          </Routes>
        )}
      </Stack>
    </div>
  );
}

const theme = createTheme({ colors: { mode: 'dark' } });
document.body.style.background = theme.colors.background.canvas;
createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={theme}>
    <GlobalStyles />
    <BrowserRouter>
      <Shell />
    </BrowserRouter>
  </ThemeContext.Provider>
);
