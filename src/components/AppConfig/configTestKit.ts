// Shared by the configuration page's tests: its props and a Grafana-like settings store.
import { PluginType } from '@grafana/data';

import { AppSettings } from '../../api/types';
import { FakeBackend } from '../../test/services';
import { AppConfigProps } from './AppConfig';

export const SETTINGS = '/api/plugins/trafficsim-simulator-app/settings';
export const HEALTH = '/api/plugins/trafficsim-simulator-app/health';
export const VALIDATE_TLS = '/api/plugins/trafficsim-simulator-app/resources/tls/validate';

export function props(jsonData: AppSettings, secureJsonFields: Record<string, boolean> = {}): AppConfigProps {
  return {
    plugin: {
      meta: {
        id: 'trafficsim-simulator-app',
        name: 'Traffic Simulator',
        type: PluginType.app,
        enabled: true,
        pinned: true,
        jsonData,
        secureJsonFields,
      },
    },
    query: {},
  } as unknown as AppConfigProps;
}

/** A settings store that behaves like Grafana's: secrets are kept, and reported only as configured. */
export function settingsBackend(initial: { jsonData: AppSettings; secure: Record<string, string> }) {
  const store = { jsonData: initial.jsonData, secure: { ...initial.secure } };
  const b = new FakeBackend()
    .on('POST', SETTINGS, (call) => {
      const body = call.data as { jsonData: AppSettings; secureJsonData?: Record<string, string> };
      store.jsonData = body.jsonData;
      for (const [k, v] of Object.entries(body.secureJsonData ?? {})) {
        if (v === '') {
          delete store.secure[k];
        } else {
          store.secure[k] = v;
        }
      }
      return { status: 200, data: { message: 'Plugin settings updated' } };
    })
    .on('GET', SETTINGS, () => ({
      status: 200,
      data: {
        enabled: true,
        pinned: true,
        jsonData: store.jsonData,
        secureJsonFields: Object.fromEntries(Object.keys(store.secure).map((k) => [k, true])),
      },
    }))
    .on('POST', VALIDATE_TLS, { status: 200, data: { ok: true } })
    .on('GET', HEALTH, {
      status: 200,
      data: { status: 'OK', message: 'Engine trafficsim dev is running (pid 42, 0 active runs)' },
    })
    .install();
  return { b, store };
}
