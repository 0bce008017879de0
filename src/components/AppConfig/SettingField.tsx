import React from 'react';
import { Field, Input } from '@grafana/ui';

import { testIds } from '../testIds';
import { SettingsField, SettingsFormValues } from './settingsForm';

export interface SettingFieldProps {
  label: string;
  description?: string;
  /** Shown under the field, which is then marked invalid. */
  error?: string;
  id: string;
  testId: string;
  value: string;
  placeholder?: string;
  width?: number;
  onChange: (value: string) => void;
}

/** SettingField is one labelled text setting of the configuration page, with its error. */
export function SettingField({
  label,
  description,
  error,
  id,
  testId,
  value,
  placeholder,
  width = 40,
  onChange,
}: SettingFieldProps) {
  return (
    <Field label={label} description={description} invalid={Boolean(error)} error={error}>
      <Input
        id={id}
        data-testid={testId}
        width={width}
        placeholder={placeholder}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
    </Field>
  );
}

/** A text setting of the form, described once. */
export interface SettingSpec {
  field: 'maxUsers' | 'maxConcurrentRuns' | 'metricsAddr' | 'remoteWriteUrl';
  label: string;
  description: string;
  placeholder: string;
  width?: number;
}

export interface SettingFieldsProps {
  specs: SettingSpec[];
  values: SettingsFormValues;
  shown: (f: SettingsField) => string | undefined;
  set: (f: SettingsField, v: string) => void;
}

/** SettingFields renders settings of the form from their specs (ids and test ids from the field's name). */
export function SettingFields({ specs, values, shown, set }: SettingFieldsProps) {
  return (
    <>
      {specs.map((s) => (
        <SettingField
          key={s.field}
          label={s.label}
          description={s.description}
          error={shown(s.field)}
          id={`config-${s.field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`}
          testId={testIds.appConfig[s.field]}
          width={s.width}
          placeholder={s.placeholder}
          value={values[s.field]}
          onChange={(v) => set(s.field, v)}
        />
      ))}
    </>
  );
}
