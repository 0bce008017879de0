import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Checkbox, Field, useStyles2 } from '@grafana/ui';

import { TargetTls, TlsSecret } from '../../api/types';
import { testIds } from '../testIds';
import { SecretField } from './SecretField';
import { SettingField } from './SettingField';
import { SecretState } from './settingsForm';

export interface TargetTlsBlockProps {
  /** Index among the allowlist's https targets (test ids). */
  index: number;
  target: string;
  /** The target's stored or edited settings; undefined: none yet. */
  entry: TargetTls | undefined;
  secret: (what: TlsSecret) => SecretState;
  /** Errors by field: caCert, clientCert, clientKey, serverName. */
  errors: Partial<Record<TlsSecret | 'serverName', string>>;
  onChange: (patch: Partial<TargetTls>) => void;
  onSecret: (what: TlsSecret, patch: Partial<SecretState>) => void;
}

const PEMS: Array<{ what: TlsSecret; label: string; description: string; placeholder: string }> = [
  {
    what: 'caCert',
    label: 'CA certificate',
    description: "PEM of the CA that signed the target's certificate, trusted besides the system's roots.",
    placeholder: '-----BEGIN CERTIFICATE-----',
  },
  {
    what: 'clientCert',
    label: 'Client certificate',
    description: 'PEM client certificate for a target that requires mutual TLS (with its key).',
    placeholder: '-----BEGIN CERTIFICATE-----',
  },
  {
    what: 'clientKey',
    label: 'Client key',
    description: 'PEM private key of the client certificate (unencrypted).',
    placeholder: '-----BEGIN PRIVATE KEY-----',
  },
];

/**
 * TargetTlsBlock is the TLS of one allowlisted https target: CA certificate, client
 * certificate and key (secrets: shown only as configured), server name and skip-verify,
 * which is warned about loudly.
 */
export function TargetTlsBlock({ index, target, entry, secret, errors, onChange, onSecret }: TargetTlsBlockProps) {
  const styles = useStyles2(getStyles);
  const id = (f: string) => `config-tls-${index}-${f}`;
  return (
    <div className={styles.block} data-testid={testIds.appConfig.tls(index)}>
      <h4 className={styles.title}>
        TLS for <code>{target}</code>
      </h4>
      {PEMS.map((p) => (
        <SecretField
          key={p.what}
          label={p.label}
          description={p.description}
          error={errors[p.what]}
          id={id(p.what)}
          testId={testIds.appConfig.tlsField(index, p.what)}
          state={secret(p.what)}
          placeholder={p.placeholder}
          rows={4}
          onChange={(value) => onSecret(p.what, { value })}
          onReset={() => onSecret(p.what, { configured: false, reset: true, value: '' })}
        />
      ))}
      <SettingField
        label="TLS server name"
        description="The name on the target's certificate, when the URL names the target otherwise. Empty: the URL's host."
        error={errors.serverName}
        id={id('server-name')}
        testId={testIds.appConfig.tlsField(index, 'serverName')}
        value={entry?.serverName ?? ''}
        placeholder="api.internal.example"
        onChange={(serverName) => onChange({ serverName })}
      />
      <Field label="Certificate verification">
        <Checkbox
          id={id('skip-verify')}
          data-testid={testIds.appConfig.tlsField(index, 'insecureSkipVerify')}
          label="Skip certificate verification (insecure)"
          value={Boolean(entry?.insecureSkipVerify)}
          onChange={(e) => onChange({ insecureSkipVerify: e.currentTarget.checked })}
        />
      </Field>
      {entry?.insecureSkipVerify && (
        <Alert
          severity="error"
          title={`The certificate of ${target} will NOT be verified`}
          data-testid={testIds.appConfig.tlsWarning(index)}
        >
          Anyone on the path can read and alter this traffic, the admin password included. Every run and check against
          this target carries this warning. Give the target&apos;s CA certificate instead wherever you can.
        </Alert>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  block: css({
    borderLeft: `2px solid ${theme.colors.border.medium}`,
    paddingLeft: theme.spacing(2),
    marginBottom: theme.spacing(2),
  }),
  title: css({
    fontSize: theme.typography.h5.fontSize,
  }),
});
