import React, { FormEvent, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Combobox, ComboboxOption, Field, FieldSet, Input, Stack, Text, useStyles2 } from '@grafana/ui';

import { startRun } from '../../api/client';
import { ApiError } from '../../api/errors';
import { Limits, RunField, RunStatus, Scenario } from '../../api/types';
import { ControlPermission } from '../../roles';
import { testIds } from '../testIds';
import { RunFormValues, validateRunForm, valuesFromConfig } from './validation';

export interface RunFormProps {
  limits: Limits;
  scenarios: Scenario[];
  permission: ControlPermission;
  /** Runs active now, to tell the user about the concurrency limit before the backend does. */
  activeRuns: number;
  /** A scenario to preselect (from the Scenarios page). */
  initialScenario?: string;
  onStarted: (run: RunStatus) => void;
}

interface NumberFieldSpec {
  field: Exclude<RunField, 'scenario' | 'baseUrl'>;
  label: string;
  description: string;
  min: number;
  max?: number;
}

/** RunForm is the start form: every run field, defaults and limits from GET /limits, inline validation. */
export function RunForm({ limits, scenarios, permission, activeRuns, initialScenario, onStarted }: RunFormProps) {
  const styles = useStyles2(getStyles);
  const defaults = useMemo(() => {
    const v = valuesFromConfig(limits.defaults);
    if (initialScenario && scenarios.some((s) => s.name === initialScenario)) {
      v.scenario = initialScenario;
    }
    return v;
  }, [limits.defaults, initialScenario, scenarios]);

  const [values, setValues] = useState<RunFormValues>(defaults);
  const [touched, setTouched] = useState<Partial<Record<RunField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [starting, setStarting] = useState(false);
  const [serverError, setServerError] = useState<ApiError | undefined>();

  const { config, errors } = validateRunForm(values, limits, scenarios);
  const shown = (f: RunField): string | undefined => {
    if ((touched[f] || submitted) && errors[f]) {
      return errors[f];
    }
    if (serverError?.runField === f) {
      return serverError.message;
    }
    return undefined;
  };

  const set = (f: RunField, value: string) => {
    setValues((v) => ({ ...v, [f]: value }));
    setTouched((t) => ({ ...t, [f]: true }));
    if (serverError?.runField === f) {
      setServerError(undefined);
    }
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (!config || !permission.allowed || starting) {
      return;
    }
    setStarting(true);
    setServerError(undefined);
    try {
      const run = await startRun(config);
      onStarted(run);
    } catch (err) {
      setServerError(err as ApiError);
    } finally {
      setStarting(false);
    }
  };

  const onReset = () => {
    setValues(defaults);
    setTouched({});
    setSubmitted(false);
    setServerError(undefined);
  };

  const scenarioOptions: Array<ComboboxOption<string>> = scenarios.map((s) => ({
    value: s.name,
    label: s.name,
    description: s.description,
  }));
  const selected = scenarios.find((s) => s.name === values.scenario);

  const numberFields: NumberFieldSpec[] = [
    {
      field: 'users',
      label: 'Virtual users',
      description: `Concurrent simulated users, 1 to ${limits.maxUsers} (the app's limit).`,
      min: 1,
      max: limits.maxUsers,
    },
    {
      field: 'durationSeconds',
      label: 'Duration (seconds)',
      description: 'Time limit of the run; 0 runs until every user has made its requests.',
      min: 0,
    },
    {
      field: 'minRequestCount',
      label: 'Min requests per user',
      description: 'Each user makes a number of requests drawn between min and max.',
      min: 1,
    },
    { field: 'maxRequestCount', label: 'Max requests per user', description: 'At least the minimum.', min: 1 },
    {
      field: 'delayMinMs',
      label: 'Think time min (ms)',
      description: "Shortest pause between a user's requests.",
      min: 0,
    },
    { field: 'delayMaxMs', label: 'Think time max (ms)', description: 'Longest pause; at least the minimum.', min: 0 },
    {
      field: 'seed',
      label: 'Seed',
      description: 'Same seed and target give the same journeys; 0 lets the engine pick one (shown on the run).',
      min: 0,
    },
  ];

  const targets =
    limits.allowedTargets.length > 0
      ? `Allowed prefixes: ${limits.allowedTargets.join(', ')}.`
      : 'No other targets are allowed yet: an Admin can add URL prefixes on the configuration page.';
  const atLimit = activeRuns >= limits.maxConcurrentRuns;

  return (
    <form onSubmit={onSubmit} noValidate data-testid={testIds.runForm.form}>
      <FieldSet label="Start a simulation">
        <Field
          label="Scenario"
          description={selected ? selected.description : 'What the virtual users do.'}
          invalid={Boolean(shown('scenario'))}
          error={shown('scenario')}
        >
          <Combobox
            id="run-scenario"
            data-testid={testIds.runForm.scenario}
            options={scenarioOptions}
            value={values.scenario || null}
            onChange={(o) => set('scenario', o.value)}
            width={40}
          />
        </Field>
        <div className={styles.grid}>
          {numberFields.map((f) => (
            <Field
              key={f.field}
              label={f.label}
              description={f.description}
              invalid={Boolean(shown(f.field))}
              error={shown(f.field)}
              className={styles.field}
            >
              <Input
                id={`run-${f.field}`}
                data-testid={testIds.runForm.input(f.field)}
                type="number"
                min={f.min}
                max={f.max}
                step={1}
                value={values[f.field]}
                onChange={(e) => set(f.field, e.currentTarget.value)}
              />
            </Field>
          ))}
        </div>
        <Field
          label="Target base URL"
          description={`Empty: the engine's embedded reference user service. ${targets}`}
          invalid={Boolean(shown('baseUrl'))}
          error={shown('baseUrl')}
        >
          <Input
            id="run-baseUrl"
            data-testid={testIds.runForm.input('baseUrl')}
            placeholder="empty = embedded reference target"
            value={values.baseUrl}
            onChange={(e) => set('baseUrl', e.currentTarget.value)}
            width={60}
          />
        </Field>

        {serverError && (
          <Alert severity="error" title={serverError.title} data-testid={testIds.runForm.error}>
            {serverError.message}
          </Alert>
        )}

        <Stack direction="row" alignItems="center" gap={2} wrap="wrap">
          <Button
            type="submit"
            icon={starting ? 'spinner' : 'play'}
            disabled={!permission.allowed || starting}
            tooltip={permission.allowed ? undefined : permission.reason}
            data-testid={testIds.runForm.start}
          >
            {starting ? 'Starting…' : 'Start'}
          </Button>
          <Button type="button" variant="secondary" fill="outline" onClick={onReset}>
            Reset to defaults
          </Button>
          {!permission.allowed && (
            <Text color="secondary" data-testid={testIds.runForm.disabledReason}>
              {permission.reason}
            </Text>
          )}
          {permission.allowed && atLimit && (
            <Text color="warning">
              {activeRuns} of {limits.maxConcurrentRuns} allowed runs are active; a new one is refused until one ends.
            </Text>
          )}
        </Stack>
      </FieldSet>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))',
    columnGap: theme.spacing(2),
  }),
  field: css({
    marginBottom: theme.spacing(2),
  }),
});
