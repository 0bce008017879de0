import React from 'react';
import { Field, FieldSet, Stack, TextArea } from '@grafana/ui';

import { TargetTls, tlsSecretKey, TlsSecret } from '../../api/types';
import { testIds } from '../testIds';
import { SecretField } from './SecretField';
import { SettingFields, SettingSpec } from './SettingField';
import { SecretState, SettingsField, SettingsFormValues, targetList } from './settingsForm';
import { httpsTargets, pemError, secretOf, Secrets } from './tlsForm';
import { TargetTlsBlock } from './TargetTlsBlock';

export interface TargetsSectionProps {
  values: SettingsFormValues;
  /** The error of a field, once the form was touched. */
  shown: (f: SettingsField) => string | undefined;
  set: (f: SettingsField, v: string) => void;
  secrets: Secrets;
  setSecret: (key: string, s: Partial<SecretState>) => void;
  tls: TargetTls[];
  /** Changes the target's TLS entry (made if missing); returns its id. */
  setTls: (target: string, patch: Partial<TargetTls>) => string;
  /** The field the backend blamed when saving (e.g. tls.<id>.clientKey) and its message. */
  saveErrorField?: string;
  saveErrorMessage?: string;
}

const LIMITS: SettingSpec[] = [
  { field: 'maxUsers', label: 'Max users per run', description: 'Empty: 1000.', placeholder: '1000', width: 20 },
  {
    field: 'maxConcurrentRuns',
    label: 'Max concurrent runs',
    description:
      "This organization's runs active at once; each organization has its own limit, and the Grafana operator's max_total_runs bounds all of them together. Empty: 2.",
    placeholder: '2',
    width: 20,
  },
];

/** TargetsSection: the allowlist with the TLS of each https target, the run limits and the target's admin password. */
export function TargetsSection(props: TargetsSectionProps) {
  const { values, shown, set, secrets, setSecret, tls, setTls, saveErrorField, saveErrorMessage } = props;
  const https = httpsTargets(targetList(values.allowedTargets));
  const tlsErrors = (entry: TargetTls | undefined) => {
    const out: Partial<Record<TlsSecret | 'serverName', string>> = {};
    for (const what of ['caCert', 'clientCert', 'clientKey'] as TlsSecret[]) {
      const typed = pemError(secretOf(secrets, entry, what).value, what);
      const blamed = entry && saveErrorField === tlsSecretKey(entry.id, what) ? saveErrorMessage : undefined;
      out[what] = typed ?? blamed;
    }
    return out;
  };
  const secretSetter = (target: string) => (what: TlsSecret, s: Partial<SecretState>) =>
    setSecret(tlsSecretKey(setTls(target, {}), what), s);
  return (
    <FieldSet label="Targets and limits">
      <Field
        label="Allowed targets"
        description="Targets that runs may aim at, one per line, as http(s)://host[:port] with no path (e.g. http://127.0.0.1:9501). A service under a path prefix is listed without it; the prefix goes in its API profile's base_path. The embedded reference target is always allowed; everything else is refused. Each https:// target gets its TLS settings below."
        invalid={Boolean(shown('allowedTargets'))}
        error={shown('allowedTargets')}
      >
        <TextArea
          id="config-allowed-targets"
          data-testid={testIds.appConfig.allowedTargets}
          rows={4}
          placeholder={'http://127.0.0.1:9501\nhttps://staging.example.com'}
          value={values.allowedTargets}
          onChange={(e) => set('allowedTargets', e.currentTarget.value)}
        />
      </Field>
      {https.map((target, i) => {
        const entry = tls.find((e) => e.target === target);
        return (
          <TargetTlsBlock
            key={target}
            index={i}
            target={target}
            entry={entry}
            secret={(what) => secretOf(secrets, entry, what)}
            errors={tlsErrors(entry)}
            onChange={(patch) => setTls(target, patch)}
            onSecret={secretSetter(target)}
          />
        );
      })}
      <Stack direction="row" gap={2} wrap="wrap">
        <SettingFields specs={LIMITS} values={values} shown={shown} set={set} />
      </Stack>
      <SecretField
        label="Target admin password"
        description="Password of the target's admin user, used by the admin archetype. Stored encrypted; never shown again."
        id="config-target-admin-password"
        testId={testIds.appConfig.targetAdminPassword}
        state={secrets.targetAdminPassword}
        placeholder="admin password of the target"
        onChange={(value) => setSecret('targetAdminPassword', { value })}
        onReset={() => setSecret('targetAdminPassword', { configured: false, reset: true, value: '' })}
      />
    </FieldSet>
  );
}
