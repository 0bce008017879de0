import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { AppSettings } from '../../api/types';
import { FakeBackend } from '../../test/services';
import { testIds } from '../testIds';
import AppConfig from './AppConfig';
import { HEALTH, props, SETTINGS, settingsBackend, VALIDATE_TLS } from './configTestKit';
import {
  jsonDataFromValues,
  secureJsonDataFromSecrets,
  targetList,
  validateSettings,
  valuesFromSettings,
} from './settingsForm';

describe('Configuration page', () => {
  it('shows the stored settings and secrets only as configured', () => {
    render(
      <AppConfig
        {...props(
          {
            allowedTargets: ['http://127.0.0.1:9501', 'https://staging.example.com'],
            maxUsers: 500,
            metricsAddr: '0.0.0.0:9464',
          },
          { targetAdminPassword: true }
        )}
      />
    );
    expect(screen.getByTestId(testIds.appConfig.allowedTargets)).toHaveValue(
      'http://127.0.0.1:9501\nhttps://staging.example.com'
    );
    expect(screen.getByTestId(testIds.appConfig.maxUsers)).toHaveValue('500');
    expect(screen.getByTestId(testIds.appConfig.maxConcurrentRuns)).toHaveValue('');
    expect(screen.getByTestId(testIds.appConfig.metricsAddr)).toHaveValue('0.0.0.0:9464');
    const admin = screen.getByTestId(testIds.appConfig.targetAdminPassword);
    expect(admin).toBeDisabled();
    expect(admin).toHaveValue('configured');
    expect(screen.getByTestId(testIds.appConfig.remoteWritePassword)).toBeEnabled();
  });

  it('says the concurrent-run limit holds per organization, not for the whole server', () => {
    render(<AppConfig {...props({})} />);
    // The backend counts maxConcurrentRuns against the org's own engine (pkg/enginehost);
    // only the operator's max_total_runs counts all orgs together.
    const label = screen.getByText('Max concurrent runs').closest('label');
    expect(label).toHaveTextContent(/This organization's runs active at once/);
    expect(label).toHaveTextContent(/max_total_runs bounds all of them together/);
    expect(screen.queryByText(/whole Grafana server/)).not.toBeInTheDocument();
  });

  it('saves the allowlist and a new secret, keeps the untouched secret, and runs the health check', async () => {
    const { b, store } = settingsBackend({
      jsonData: { maxUsers: 500, custom: 'kept' } as AppSettings,
      secure: { targetAdminPassword: 's3cret' },
    });
    const user = userEvent.setup();
    render(<AppConfig {...props(store.jsonData, { targetAdminPassword: true })} />);

    await user.type(
      screen.getByTestId(testIds.appConfig.allowedTargets),
      'http://127.0.0.1:9501{enter}https://t.example'
    );
    await user.clear(screen.getByTestId(testIds.appConfig.maxConcurrentRuns));
    await user.type(screen.getByTestId(testIds.appConfig.maxConcurrentRuns), '3');
    await user.type(screen.getByTestId(testIds.appConfig.remoteWritePassword), 'rw-pass');
    await user.click(screen.getByTestId(testIds.appConfig.save));

    await waitFor(() => expect(b.callsTo('POST', SETTINGS)).toHaveLength(1));
    expect(b.callsTo('POST', SETTINGS)[0].data).toEqual({
      enabled: true,
      pinned: true,
      jsonData: {
        custom: 'kept',
        allowedTargets: ['http://127.0.0.1:9501', 'https://t.example'],
        maxUsers: 500,
        maxConcurrentRuns: 3,
      },
      secureJsonData: { remoteWritePassword: 'rw-pass' },
    });
    expect(store.secure).toEqual({ targetAdminPassword: 's3cret', remoteWritePassword: 'rw-pass' });

    expect(await screen.findByTestId(testIds.appConfig.saved)).toBeInTheDocument();
    // Both secrets now show as configured; the typed value is gone from the page.
    const rw = screen.getByTestId(testIds.appConfig.remoteWritePassword);
    expect(rw).toBeDisabled();
    expect(rw).toHaveValue('configured');
    expect(screen.queryByDisplayValue('rw-pass')).not.toBeInTheDocument();
    expect(await screen.findByTestId(testIds.appConfig.health)).toHaveTextContent(
      'Engine trafficsim dev is running (pid 42, 0 active runs)'
    );
  });

  it('clears a secret that was reset', async () => {
    const { b, store } = settingsBackend({ jsonData: {}, secure: { targetAdminPassword: 's3cret' } });
    const user = userEvent.setup();
    render(<AppConfig {...props({}, { targetAdminPassword: true })} />);
    await user.click(screen.getAllByRole('button', { name: 'Reset' })[0]);
    expect(screen.getByTestId(testIds.appConfig.targetAdminPassword)).toBeEnabled();
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(b.callsTo('POST', SETTINGS)).toHaveLength(1));
    expect((b.callsTo('POST', SETTINGS)[0].data as { secureJsonData: unknown }).secureJsonData).toEqual({
      targetAdminPassword: '',
    });
    expect(store.secure).toEqual({});
    expect(b.callsTo('GET', HEALTH)).toHaveLength(0);
  });

  it('validates inline and saves nothing while invalid', async () => {
    const { b } = settingsBackend({ jsonData: {}, secure: {} });
    const user = userEvent.setup();
    render(<AppConfig {...props({})} />);
    await user.type(screen.getByTestId(testIds.appConfig.maxUsers), '0');
    await user.type(screen.getByTestId(testIds.appConfig.metricsAddr), '9464');
    expect(
      screen.getByText('maxUsers must be a whole number ≥ 1; leave it empty for the default 1000')
    ).toBeInTheDocument();
    expect(screen.getByText(/metricsAddr must be host:port/)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.appConfig.save)).toBeDisabled();
    expect(b.callsTo('POST', SETTINGS)).toHaveLength(0);
  });

  it("shows the backend's refusal of an allowlist entry at the field and saves nothing", async () => {
    const msg = 'allowedTargets[1]: "127.0.0.1:9501" must start with http:// or https://';
    const { b } = settingsBackend({ jsonData: {}, secure: {} });
    b.on('POST', VALIDATE_TLS, { status: 400, data: { error: msg, field: 'allowedTargets[1]' } });
    const user = userEvent.setup();
    render(<AppConfig {...props({})} />);
    const targets = screen.getByTestId(testIds.appConfig.allowedTargets);
    await user.type(targets, 'http://127.0.0.1:9502{enter}127.0.0.1:9501');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByTestId(testIds.appConfig.error)).toHaveTextContent(msg);
    expect(b.callsTo('POST', VALIDATE_TLS)[0].data).toMatchObject({
      allowedTargets: ['http://127.0.0.1:9502', '127.0.0.1:9501'],
    });
    expect(b.callsTo('POST', SETTINGS)).toHaveLength(0);
    // The field says it too, until the entry is edited.
    expect(screen.getAllByText(msg)).toHaveLength(2);
    await user.type(targets, '0');
    expect(screen.queryByText(msg)).not.toBeInTheDocument();
  });

  it('shows a refused save readably', async () => {
    new FakeBackend()
      .on('POST', SETTINGS, { status: 403, data: { message: 'You do not have permission to update plugin settings' } })
      .install();
    const user = userEvent.setup();
    render(<AppConfig {...props({})} />);
    await user.click(screen.getByTestId(testIds.appConfig.save));
    const alert = await screen.findByTestId(testIds.appConfig.error);
    expect(alert).toHaveTextContent('Not allowed');
    expect(alert).toHaveTextContent('You do not have permission to update plugin settings');
  });
});

describe('settings helpers', () => {
  it('reads allowedTargets as a list or a comma/newline separated string', () => {
    expect(targetList(['a', ' b '])).toEqual(['a', 'b']);
    expect(targetList('a, b\nc')).toEqual(['a', 'b', 'c']);
    expect(targetList(undefined)).toEqual([]);
  });

  it('round-trips settings and drops emptied ones', () => {
    const v = valuesFromSettings({ maxUsers: '700', remoteWriteUrl: 'http://p:9090/api/v1/write' });
    expect(validateSettings(v)).toEqual({});
    expect(jsonDataFromValues({ ...v, remoteWriteUrl: '' }, { remoteWriteUrl: 'x' })).toEqual({
      allowedTargets: [],
      maxUsers: 700,
    });
  });

  it('sends a secret only when typed or reset', () => {
    expect(
      secureJsonDataFromSecrets({
        targetAdminPassword: { configured: true, reset: false, value: '' },
        remoteWritePassword: { configured: false, reset: false, value: '' },
      })
    ).toBeUndefined();
  });
});

describe('API profiles on the configuration page', () => {
  const VALIDATE = '/api/plugins/trafficsim-simulator-app/resources/profiles/validate';

  it('has the engine parse each profile, saves them in jsonData, and names the line of a mistake', async () => {
    const { b, store } = settingsBackend({ jsonData: { allowedTargets: ['http://127.0.0.1:9501'] }, secure: {} });
    b.on('POST', VALIDATE, (call) => {
      const p = call.data as { name: string; yaml: string };
      return p.yaml.includes('acces:')
        ? {
            status: 400,
            data: { error: `apiProfile: ${p.name}:2: token.acces: unknown field "acces"`, field: 'apiProfile' },
          }
        : { status: 200, data: { ok: true } };
    });
    render(<AppConfig {...props({ allowedTargets: ['http://127.0.0.1:9501'] })} />);
    const user = userEvent.setup();

    await user.click(screen.getByTestId(testIds.appConfig.profileAdd));
    await user.type(screen.getByTestId(testIds.appConfig.profileName(0)), 'othersvc');
    // A bare paste: user.type would read the braces of YAML as key names.
    await user.click(screen.getByTestId(testIds.appConfig.profileYaml(0)));
    await user.paste('token:\n  acces: data.accessToken\n');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByTestId(testIds.appConfig.error)).toHaveTextContent('othersvc:2: token.acces');
    expect(b.callsTo('POST', SETTINGS)).toHaveLength(0);

    await user.clear(screen.getByTestId(testIds.appConfig.profileYaml(0)));
    await user.paste('token:\n  access: data.accessToken\n');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByTestId(testIds.appConfig.saved);
    expect(store.jsonData.apiProfiles).toEqual([{ name: 'othersvc', yaml: 'token:\n  access: data.accessToken\n' }]);
    expect(store.jsonData.allowedTargets).toEqual(['http://127.0.0.1:9501']);
  });

  it('refuses an unnamed or duplicate profile before asking anyone', async () => {
    const { b } = settingsBackend({ jsonData: {}, secure: {} });
    render(<AppConfig {...props({ apiProfiles: [{ name: 'a', yaml: 'x: 1' }] })} />);
    const user = userEvent.setup();
    await user.click(screen.getByTestId(testIds.appConfig.profileAdd));
    await user.type(screen.getByTestId(testIds.appConfig.profileName(1)), 'a');
    await user.click(screen.getByTestId(testIds.appConfig.profileYaml(1)));
    await user.paste('y: 1');
    expect(screen.getByText('name: "a" is used twice; give each profile its own name')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(b.calls).toHaveLength(0);
  });
});
