import React, { FormEvent, useMemo, useState } from 'react';
import { Button, Combobox, ComboboxOption, InlineField, Input, LinkButton, Stack, Text } from '@grafana/ui';

import { Limits, RunConfig, Scenario } from '../../api/types';
import { useRunValidation } from '../../components/RunForm/useRunValidation';
import { valuesFromConfig } from '../../components/RunForm/validation';
import { testIds } from '../../components/testIds';
import { ROUTES } from '../../constants';
import { ControlPermission } from '../../roles';
import { prefixRoute } from '../../routing';
import { ControlOptions } from './types';

interface PanelNumberProps {
  id: string;
  label: string;
  min: number;
  value: string;
  invalid: boolean;
  disabled: boolean;
  onChange: (value: string) => void;
}

/** PanelNumber is one of the panel's compact number inputs, labelled inline. */
function PanelNumber({ id, label, min, value, invalid, disabled, onChange }: PanelNumberProps) {
  return (
    <InlineField label={label} invalid={invalid} disabled={disabled}>
      <Input
        id={id}
        aria-label={label}
        type="number"
        min={min}
        width={10}
        value={value}
        onChange={(ev) => onChange(ev.currentTarget.value)}
      />
    </InlineField>
  );
}

type Edited = { scenario?: string; users?: string; duration?: string };

/**
 * usePanelStart holds the panel's three inputs and their check: what the user typed, until
 * then the panel options, then the app's defaults; checked as the run form checks them.
 */
export function usePanelStart(options: ControlOptions, limits: Limits | undefined) {
  const [edited, setEdited] = useState<Edited>({});
  const d = limits?.defaults;
  const scenario = edited.scenario ?? (options.scenario || d?.scenario || '');
  const users =
    edited.users ??
    (options.users > 0 ? String(Math.min(options.users, limits?.maxUsers ?? options.users)) : String(d?.users ?? ''));
  const duration =
    edited.duration ?? String(options.durationSeconds >= 0 ? options.durationSeconds : (d?.durationSeconds ?? ''));
  const values = useMemo(
    () => (d ? { ...valuesFromConfig(d), scenario, users, durationSeconds: duration } : undefined),
    [d, scenario, users, duration]
  );
  const validation = useRunValidation(values);
  const edit = (e: Edited) => setEdited((old) => ({ ...old, ...e }));
  return { scenario, users, duration, edit, validation };
}

export interface PanelStartFormProps {
  start: ReturnType<typeof usePanelStart>;
  scenarios: Scenario[];
  permission: ControlPermission;
  busy: boolean;
  onStart: (config: RunConfig) => void;
}

/** PanelStartForm is the panel's one-line start: scenario, users, duration, Start, and the first error. */
export function PanelStartForm({ start, scenarios, permission, busy, onStart }: PanelStartFormProps) {
  const { scenario, users, duration, edit, validation } = start;
  const firstError = Object.entries(validation.errors)[0];
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const config = validation.config;
    if (config && permission.allowed && firstError === undefined) {
      onStart(config);
    }
  };
  const scenarioOptions: Array<ComboboxOption<string>> = scenarios.map((s) => ({
    value: s.name,
    label: s.name,
    description: s.description,
  }));

  return (
    <>
      <form onSubmit={onSubmit} noValidate>
        <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
          <InlineField label="Scenario" disabled={!permission.allowed}>
            <Combobox
              id="panel-scenario"
              options={scenarioOptions}
              value={scenario || null}
              onChange={(o) => edit({ scenario: o.value })}
              width={20}
            />
          </InlineField>
          <PanelNumber
            id="panel-users"
            label="Users"
            min={1}
            value={users}
            invalid={Boolean(validation.errors.users)}
            disabled={!permission.allowed}
            onChange={(users) => edit({ users })}
          />
          <PanelNumber
            id="panel-duration"
            label="Duration (s)"
            min={0}
            value={duration}
            invalid={Boolean(validation.errors.durationSeconds)}
            disabled={!permission.allowed}
            onChange={(duration) => edit({ duration })}
          />
          <Button
            type="submit"
            icon="play"
            size="md"
            disabled={!permission.allowed || busy || !validation.config || firstError !== undefined}
            tooltip={permission.allowed ? undefined : permission.reason}
            data-testid={testIds.panel.start}
          >
            Start
          </Button>
          <LinkButton href={prefixRoute(ROUTES.Simulations)} variant="secondary" fill="text" icon="external-link-alt">
            All runs
          </LinkButton>
        </Stack>
      </form>
      {!permission.allowed && (
        <Text color="secondary" variant="bodySmall" data-testid={testIds.panel.disabledReason}>
          {permission.reason}
        </Text>
      )}
      {firstError && (
        <Text color="error" variant="bodySmall">
          {firstError[0]}: {firstError[1]}
        </Text>
      )}
    </>
  );
}
