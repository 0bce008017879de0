import React from 'react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { testIds } from '../testIds';
import AppConfig from './AppConfig';
import { props, SETTINGS, settingsBackend, VALIDATE_TLS } from './configTestKit';
import { newTlsId, pemError, tlsSecretChanges, tlsToSave } from './tlsForm';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHtest\n-----END PRIVATE KEY-----\n';
const field = (i: number, f: string) => screen.getByTestId(testIds.appConfig.tlsField(i, f));

describe('TLS of https targets on the configuration page', () => {
  it('shows a TLS block per https target only, stored PEMs only as configured, and warns about skip-verify', () => {
    render(
      <AppConfig
        {...props(
          {
            allowedTargets: ['http://127.0.0.1:9501', 'https://a.test:8443', 'https://b.test'],
            targetTls: [{ id: 'k1', target: 'https://a.test:8443', insecureSkipVerify: true }],
          },
          { 'tls.k1.caCert': true, 'tls.k1.clientKey': true }
        )}
      />
    );
    expect(screen.getByTestId(testIds.appConfig.tls(0))).toHaveTextContent('TLS for https://a.test:8443');
    expect(screen.getByTestId(testIds.appConfig.tls(1))).toHaveTextContent('TLS for https://b.test');
    expect(screen.queryByTestId(testIds.appConfig.tls(2))).not.toBeInTheDocument();
    expect(field(0, 'caCert')).toBeDisabled();
    expect(field(0, 'caCert')).toHaveValue('configured');
    expect(field(0, 'clientCert')).toBeEnabled();
    expect(field(1, 'caCert')).toBeEnabled();
    expect(field(0, 'insecureSkipVerify')).toBeChecked();
    expect(screen.getByTestId(testIds.appConfig.tlsWarning(0))).toHaveTextContent(
      'The certificate of https://a.test:8443 will NOT be verified'
    );
    expect(screen.queryByTestId(testIds.appConfig.tlsWarning(1))).not.toBeInTheDocument();
  });

  it('has the backend check a new CA, then saves it as a secret and the entry in jsonData', async () => {
    const { b, store } = settingsBackend({ jsonData: { allowedTargets: ['https://a.test:8443'] }, secure: {} });
    b.on('POST', VALIDATE_TLS, { status: 200, data: { ok: true } });
    const user = userEvent.setup();
    render(<AppConfig {...props(store.jsonData)} />);

    await user.click(field(0, 'caCert'));
    await user.paste(CA);
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByTestId(testIds.appConfig.saved);

    const [validate] = b.callsTo('POST', VALIDATE_TLS);
    const sent = validate.data as {
      allowedTargets: string[];
      targetTls: Array<{ id: string; target: string }>;
      secrets: object;
    };
    const id = sent.targetTls[0].id;
    expect(id).toMatch(/^[a-z0-9]{8}$/);
    expect(sent).toEqual({
      allowedTargets: ['https://a.test:8443'],
      targetTls: [{ id, target: 'https://a.test:8443' }],
      secrets: { [`tls.${id}.caCert`]: CA.trim() },
    });
    expect(store.jsonData.targetTls).toEqual([{ id, target: 'https://a.test:8443' }]);
    expect(store.secure).toEqual({ [`tls.${id}.caCert`]: CA.trim() });
    // Read back: configured, and the PEM is gone from the page.
    expect(field(0, 'caCert')).toHaveValue('configured');
    expect(screen.queryByDisplayValue(/MIIBtest/)).not.toBeInTheDocument();
  });

  it('shows the backend’s refusal at the field it names and saves nothing', async () => {
    const { b } = settingsBackend({
      jsonData: { allowedTargets: ['https://a.test'], targetTls: [{ id: 'k1', target: 'https://a.test' }] },
      secure: { 'tls.k1.clientCert': 'stored' },
    });
    b.on('POST', VALIDATE_TLS, {
      status: 400,
      data: {
        error: 'tls.k1.clientKey: the client key for https://a.test:443 does not go with the client certificate',
        field: 'tls.k1.clientKey',
      },
    });
    const user = userEvent.setup();
    render(
      <AppConfig
        {...props(
          { allowedTargets: ['https://a.test'], targetTls: [{ id: 'k1', target: 'https://a.test' }] },
          { 'tls.k1.clientCert': true }
        )}
      />
    );
    await user.click(field(0, 'clientKey'));
    await user.paste(KEY);
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByTestId(testIds.appConfig.error)).toHaveTextContent(
      'does not go with the client certificate'
    );
    expect(within(screen.getByTestId(testIds.appConfig.tls(0))).getAllByText(/does not go with/)).toHaveLength(1);
    expect(b.callsTo('POST', SETTINGS)).toHaveLength(0);
    expect((b.callsTo('POST', VALIDATE_TLS)[0].data as { secrets: object }).secrets).toEqual({
      'tls.k1.clientKey': KEY.trim(),
    });
  });

  it('refuses text that is not PEM before asking anyone', async () => {
    const { b } = settingsBackend({ jsonData: {}, secure: {} });
    const user = userEvent.setup();
    render(<AppConfig {...props({ allowedTargets: ['https://a.test'] })} />);
    await user.click(field(0, 'clientKey'));
    await user.paste('not a key');
    expect(screen.getByText(/paste PEM text, from -----BEGIN PRIVATE KEY-----/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled();
    expect(b.calls).toHaveLength(0);
  });

  it('turns skip-verify on with a loud warning, and clears the PEMs of a target removed from the allowlist', async () => {
    const { b, store } = settingsBackend({
      jsonData: {
        allowedTargets: ['https://a.test', 'https://gone.test'],
        targetTls: [{ id: 'g1', target: 'https://gone.test' }],
      },
      secure: { 'tls.g1.caCert': CA, targetAdminPassword: 'p' },
    });
    b.on('POST', VALIDATE_TLS, { status: 200, data: { ok: true } });
    const user = userEvent.setup();
    render(<AppConfig {...props(store.jsonData, { 'tls.g1.caCert': true, targetAdminPassword: true })} />);
    await user.click(field(0, 'insecureSkipVerify'));
    expect(screen.getByTestId(testIds.appConfig.tlsWarning(0))).toHaveTextContent('will NOT be verified');
    const targets = screen.getByTestId(testIds.appConfig.allowedTargets);
    await user.clear(targets);
    await user.type(targets, 'https://a.test');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByTestId(testIds.appConfig.saved);

    expect(store.jsonData.targetTls).toEqual([
      { id: expect.stringMatching(/^[a-z0-9]{8}$/), target: 'https://a.test', insecureSkipVerify: true },
    ]);
    expect(store.secure).toEqual({ targetAdminPassword: 'p' });
    await waitFor(() => expect(screen.queryByTestId(testIds.appConfig.tls(1))).not.toBeInTheDocument());
  });
});

describe('TLS form helpers', () => {
  it('makes ids of 8 lowercase letters or digits, never one in use', () => {
    const seq = [0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 0, 0, 0];
    let i = 0;
    expect(newTlsId(['00000000'], () => seq[i++])).toBe('i0000000');
  });

  it('checks the PEM kind', () => {
    expect(pemError('', 'caCert')).toBeUndefined();
    expect(pemError(CA, 'caCert')).toBeUndefined();
    expect(pemError(KEY, 'caCert')).toMatch(/BEGIN CERTIFICATE/);
    expect(pemError('-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----', 'clientKey')).toBeUndefined();
  });

  it('keeps only entries that set something, and sends only changed secrets', () => {
    const entries = [
      { id: 'a', target: 'https://a.test' },
      { id: 'b', target: 'https://b.test', serverName: ' svc.test ' },
      { id: 'c', target: 'https://c.test' },
    ];
    const secrets = {
      'tls.a.caCert': { configured: true, reset: false, value: '' },
      'tls.c.caCert': { configured: true, reset: false, value: '' },
    };
    const saved = tlsToSave(entries, ['https://a.test', 'https://b.test', 'http://x.test'], secrets);
    expect(saved).toEqual([
      { id: 'a', target: 'https://a.test' },
      { id: 'b', target: 'https://b.test', serverName: 'svc.test' },
    ]);
    expect(tlsSecretChanges(entries, saved, secrets)).toEqual({ 'tls.c.caCert': '' });
  });
});
