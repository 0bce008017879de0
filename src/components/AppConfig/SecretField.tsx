import React from 'react';
import { Field, SecretInput, SecretTextArea } from '@grafana/ui';

import { SecretState } from './settingsForm';

export interface SecretFieldProps {
  label: string;
  description?: string;
  error?: string;
  id: string;
  testId: string;
  state: SecretState;
  placeholder?: string;
  width?: number;
  /** A PEM: a text area (rows) instead of a one-line input. */
  rows?: number;
  onChange: (value: string) => void;
  /** The Reset button of a stored secret: it is cleared when saved unless a new one is typed. */
  onReset: () => void;
}

/**
 * SecretField is a secret setting: a stored one shows only as "configured" with a Reset
 * button (its value never comes back to the browser); otherwise it takes a new value.
 */
export function SecretField({
  label,
  description,
  error,
  id,
  testId,
  state,
  placeholder,
  width = 40,
  rows,
  onChange,
  onReset,
}: SecretFieldProps) {
  return (
    <Field label={label} description={description} invalid={Boolean(error)} error={error}>
      {rows ? (
        <SecretTextArea
          id={id}
          data-testid={testId}
          rows={rows}
          cols={64}
          isConfigured={state.configured}
          value={state.value}
          placeholder={placeholder}
          onChange={(e) => onChange(e.currentTarget.value)}
          onReset={onReset}
        />
      ) : (
        <SecretInput
          id={id}
          data-testid={testId}
          width={width}
          isConfigured={state.configured}
          value={state.value}
          placeholder={placeholder}
          onChange={(e) => onChange(e.currentTarget.value)}
          onReset={onReset}
        />
      )}
    </Field>
  );
}
