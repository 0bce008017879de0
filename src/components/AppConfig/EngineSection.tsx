import React from 'react';
import { FieldSet } from '@grafana/ui';

import { testIds } from '../testIds';
import { SecretField } from './SecretField';
import { SettingFields, SettingSpec } from './SettingField';
import { SecretState, SettingsField, SettingsFormValues } from './settingsForm';
import { Secrets } from './tlsForm';

export interface EngineSectionProps {
  values: SettingsFormValues;
  shown: (f: SettingsField) => string | undefined;
  set: (f: SettingsField, v: string) => void;
  secrets: Secrets;
  setSecret: (key: string, s: Partial<SecretState>) => void;
}

const ENGINE: SettingSpec[] = [
  {
    field: 'metricsAddr',
    label: 'Metrics address',
    description:
      'host:port where the engine serves /metrics for Prometheus to scrape, e.g. 0.0.0.0:9464. Empty: no /metrics.',
    placeholder: '0.0.0.0:9464',
  },
  {
    field: 'remoteWriteUrl',
    label: 'Remote-write URL',
    description: "Prometheus remote-write endpoint for the engine's metrics. Empty: no remote write.",
    placeholder: 'http://prometheus:9090/api/v1/write',
    width: 60,
  },
];

/** EngineSection: where the engine's metrics go (/metrics, remote write). */
export function EngineSection({ values, shown, set, secrets, setSecret }: EngineSectionProps) {
  return (
    <FieldSet label="Engine metrics">
      <SettingFields specs={ENGINE} values={values} shown={shown} set={set} />
      <SecretField
        label="Remote-write password"
        description="Stored encrypted; never shown again."
        id="config-remote-write-password"
        testId={testIds.appConfig.remoteWritePassword}
        state={secrets.remoteWritePassword}
        placeholder="remote-write password"
        onChange={(value) => setSecret('remoteWritePassword', { value })}
        onReset={() => setSecret('remoteWritePassword', { configured: false, reset: true, value: '' })}
      />
    </FieldSet>
  );
}
