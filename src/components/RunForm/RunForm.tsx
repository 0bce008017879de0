import React, { FormEvent, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  Button,
  Combobox,
  ComboboxOption,
  Field,
  FieldSet,
  Input,
  RadioButtonGroup,
  Stack,
  Text,
  useStyles2,
} from '@grafana/ui';

import { checkTarget, startRun } from '../../api/client';
import { CheckResult, Limits, RunField, RunStatus, Scenario } from '../../api/types';
import { useAction } from '../../hooks/useAction';
import { ControlPermission } from '../../roles';
import { testIds } from '../testIds';
import { TargetCheckTable } from './TargetCheck';
import { InputSpec, LOAD_MODELS, runFields } from './fields';
import { useRunValidation } from './useRunValidation';
import { LoadModel, loadModelOf, RunFormValues, valuesFromConfig, withLoadModel } from './validation';

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
  // Each model keeps what was typed for it, but only the chosen one's fields are validated and sent.
  const [model, setModel] = useState<LoadModel>(() => loadModelOf(defaults));
  const [touched, setTouched] = useState<Partial<Record<RunField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  // The API profile for the target, and the engine's check of the target under it.
  const profiles = limits.apiProfiles ?? [];
  const [apiProfile, setApiProfile] = useState('');
  const [check, setCheck] = useState<CheckResult | undefined>();

  const sent = useMemo(() => withLoadModel(values, model), [values, model]);
  const withProfile = apiProfile && values.baseUrl.trim() ? { apiProfile } : undefined;
  const { config, errors } = useRunValidation(sent, withProfile);
  const start = useAction(startRun, onStarted);
  const serverError = start.error;
  const checking = useAction(checkTarget, setCheck);
  const checkError = checking.error;
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
    if (f === 'baseUrl') {
      setCheck(undefined); // a check speaks of the target it ran against
    }
    setValues((v) => ({ ...v, [f]: value }));
    setTouched((t) => ({ ...t, [f]: true }));
    if (serverError?.runField === f) {
      start.clearError();
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    // Known errors stop the start; while the backend's answer is still to come, the
    // start itself is checked the same way.
    if (config && permission.allowed && Object.keys(errors).length === 0) {
      void start.run(config);
    }
  };

  const onCheck = () => {
    if (permission.allowed && values.baseUrl.trim() !== '') {
      setCheck(undefined);
      void checking.run(values.baseUrl.trim(), apiProfile);
    }
  };

  const chooseProfile = (name: string) => {
    setApiProfile(name);
    setCheck(undefined);
    if (serverError?.field === 'apiProfile') {
      start.clearError();
    }
  };

  const onReset = () => {
    setValues(defaults);
    setModel(loadModelOf(defaults));
    setTouched({});
    setSubmitted(false);
    start.clearError();
    chooseProfile('');
    checking.clearError();
  };

  const scenarioOptions: Array<ComboboxOption<string>> = scenarios.map((s) => ({
    value: s.name,
    label: s.name,
    description: s.description,
  }));
  const selected = scenarios.find((s) => s.name === values.scenario);

  const { loadFields, maxRps, numberFields } = runFields(limits);

  const renderInput = (f: InputSpec) => (
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
        type={f.min === undefined ? 'text' : 'number'}
        min={f.min}
        max={f.max}
        step={f.min === undefined ? undefined : (f.step ?? 1)}
        placeholder={f.placeholder}
        value={values[f.field]}
        onChange={(e) => set(f.field, e.currentTarget.value)}
      />
    </Field>
  );

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
        <Field
          label="Load model"
          description="Fixed users and VU stages run a number of VUs that each wait for their answers (closed model); an arrival rate starts sessions on schedule however slow the target is (open model)."
        >
          <div data-testid={testIds.runForm.loadModel}>
            <RadioButtonGroup aria-label="Load model" options={LOAD_MODELS} value={model} onChange={setModel} />
          </div>
        </Field>
        <div className={styles.grid}>
          {loadFields[model].map(renderInput)}
          {renderInput(maxRps)}
        </div>
        <div className={styles.grid}>{numberFields.map(renderInput)}</div>
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

        {profiles.length > 0 && (
          <Field
            label="API profile"
            description="How the target's API is shaped (an Admin stores profiles on the configuration page); the reference API needs none. Only for a target URL."
            invalid={serverError?.field === 'apiProfile'}
            error={serverError?.field === 'apiProfile' ? serverError.message : undefined}
          >
            <div data-testid={testIds.runForm.apiProfile}>
              <RadioButtonGroup
                aria-label="API profile"
                options={[{ value: '', label: 'Reference API' }, ...profiles.map((p) => ({ value: p, label: p }))]}
                value={apiProfile}
                onChange={chooseProfile}
              />
            </div>
          </Field>
        )}
        <Stack direction="row" alignItems="center" gap={2} wrap="wrap">
          <Button
            type="button"
            variant="secondary"
            icon={checking.busy ? 'spinner' : 'check-circle'}
            disabled={!permission.allowed || checking.busy || values.baseUrl.trim() === ''}
            tooltip={
              !permission.allowed
                ? permission.reason
                : values.baseUrl.trim() === ''
                  ? 'Enter a target URL to check; the embedded target needs no check.'
                  : 'A handful of safe requests under a probe account that is removed again'
            }
            onClick={onCheck}
            data-testid={testIds.runForm.check}
          >
            {checking.busy ? 'Checking…' : 'Check target'}
          </Button>
        </Stack>
        {checkError && (
          <Alert severity="error" title={checkError.title} data-testid={testIds.runForm.checkError}>
            {checkError.message}
          </Alert>
        )}
        {check && <TargetCheckTable result={check} />}

        {serverError && (
          <Alert severity="error" title={serverError.title} data-testid={testIds.runForm.error}>
            {serverError.message}
          </Alert>
        )}

        <Stack direction="row" alignItems="center" gap={2} wrap="wrap">
          <Button
            type="submit"
            icon={start.busy ? 'spinner' : 'play'}
            disabled={!permission.allowed || start.busy}
            tooltip={permission.allowed ? undefined : permission.reason}
            data-testid={testIds.runForm.start}
          >
            {start.busy ? 'Starting…' : 'Start'}
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
