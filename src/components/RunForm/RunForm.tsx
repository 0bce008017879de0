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
import { ApiError } from '../../api/errors';
import { CheckResult, Limits, RunField, RunStatus, Scenario } from '../../api/types';
import { ControlPermission } from '../../roles';
import { testIds } from '../testIds';
import { TargetCheckTable } from './TargetCheck';
import { LoadModel, loadModelOf, RunFormValues, validateRunForm, valuesFromConfig, withLoadModel } from './validation';

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

interface InputSpec {
  field: Exclude<RunField, 'scenario' | 'baseUrl'>;
  label: string;
  description: string;
  /** Absent: a text input (stages and rates are typed as the CLI spells them). */
  min?: number;
  max?: number;
  /** Number inputs take whole numbers unless set ("any"). */
  step?: number | 'any';
  placeholder?: string;
}

const LOAD_MODELS: Array<{ value: LoadModel; label: string; description: string }> = [
  { value: 'users', label: 'Fixed users', description: 'Closed model: a fixed number of VUs, optionally ramped up' },
  { value: 'stages', label: 'VU stages', description: 'Closed model: the number of VUs follows stages over time' },
  {
    value: 'rate',
    label: 'Arrival rate',
    description: 'Open model: sessions start at a rate, whatever the target does',
  },
];

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
  const [starting, setStarting] = useState(false);
  const [serverError, setServerError] = useState<ApiError | undefined>();
  // The API profile for the target, and the engine's check of the target under it.
  const profiles = limits.apiProfiles ?? [];
  const [apiProfile, setApiProfile] = useState('');
  const [checking, setChecking] = useState(false);
  const [check, setCheck] = useState<CheckResult | undefined>();
  const [checkError, setCheckError] = useState<ApiError | undefined>();

  const { config, errors } = validateRunForm(withLoadModel(values, model), limits, scenarios);
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
      const run = await startRun(apiProfile && config.baseUrl ? { ...config, apiProfile } : config);
      onStarted(run);
    } catch (err) {
      setServerError(err as ApiError);
    } finally {
      setStarting(false);
    }
  };

  const onCheck = async () => {
    if (checking || !permission.allowed || values.baseUrl.trim() === '') {
      return;
    }
    setChecking(true);
    setCheck(undefined);
    setCheckError(undefined);
    try {
      setCheck(await checkTarget(values.baseUrl.trim(), apiProfile));
    } catch (err) {
      setCheckError(err as ApiError);
    } finally {
      setChecking(false);
    }
  };

  const chooseProfile = (name: string) => {
    setApiProfile(name);
    setCheck(undefined);
    if (serverError?.field === 'apiProfile') {
      setServerError(undefined);
    }
  };

  const onReset = () => {
    setValues(defaults);
    setModel(loadModelOf(defaults));
    setTouched({});
    setSubmitted(false);
    setServerError(undefined);
    chooseProfile('');
    setCheckError(undefined);
  };

  const scenarioOptions: Array<ComboboxOption<string>> = scenarios.map((s) => ({
    value: s.name,
    label: s.name,
    description: s.description,
  }));
  const selected = scenarios.find((s) => s.name === values.scenario);

  const users: InputSpec = {
    field: 'users',
    label: 'Virtual users',
    description: `Concurrent simulated users, 1 to ${limits.maxUsers} (the app's limit).`,
    min: 1,
    max: limits.maxUsers,
  };
  const loadFields: Record<LoadModel, InputSpec[]> = {
    users: [
      users,
      {
        field: 'rampUpSeconds',
        label: 'Ramp-up (seconds)',
        description: 'Start the users spread evenly over this time, e.g. 30; 0 starts them all at once.',
        min: 0,
      },
    ],
    stages: [
      {
        field: 'stages',
        label: 'Stages',
        description: `DURATION:VUS targets reached by linear ramps from 0, e.g. 30s:100,1m:500,30s:0 (durations like 30s, 1m, 1m30s). The run ends with the last stage; its VUs are the largest target, at most ${limits.maxUsers}.`,
        placeholder: '30s:100,1m:500,30s:0',
      },
    ],
    rate: [
      {
        field: 'rate',
        label: 'Rate',
        description:
          'Sessions started per second or minute, e.g. 300/s or 90/m (a bare number is per second). A constant rate needs a duration.',
        placeholder: '300/s',
      },
      {
        field: 'rateStages',
        label: 'Rate stages',
        description:
          'Optional DURATION:RATE targets ramping from the rate (or 0), e.g. 30s:10/s,1m:100/s; the arrivals end with the last stage.',
        placeholder: '30s:10/s,1m:100/s',
      },
      { ...users, description: `VUs for the arrivals when Max VUs is 0, 1 to ${limits.maxUsers}, e.g. 100.` },
      {
        field: 'maxVus',
        label: 'Max VUs',
        description: `The pre-allocated VU pool, up to ${limits.maxUsers}, e.g. 200; 0 uses Virtual users. An arrival that finds no free VU is dropped.`,
        min: 0,
        max: limits.maxUsers,
      },
    ],
  };
  const maxRps: InputSpec = {
    field: 'maxRps',
    label: 'Max requests/s',
    description: "Cap on the whole run's requests per second, e.g. 50 or 12.5; 0 is no cap.",
    min: 0,
    step: 'any',
  };

  const numberFields: InputSpec[] = [
    {
      field: 'durationSeconds',
      label: 'Duration (seconds)',
      description: 'Time limit of the run; 0 runs until every user has made its requests (a constant rate needs one).',
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
            icon={checking ? 'spinner' : 'check-circle'}
            disabled={!permission.allowed || checking || values.baseUrl.trim() === ''}
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
            {checking ? 'Checking…' : 'Check target'}
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
