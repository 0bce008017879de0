import React, { FormEvent, useMemo, useState } from 'react';
import { FieldSet } from '@grafana/ui';

import { startRun } from '../../api/client';
import { Limits, RunField, RunStatus, Scenario } from '../../api/types';
import { useAction } from '../../hooks/useAction';
import { ControlPermission } from '../../roles';
import { testIds } from '../testIds';
import { InputSpec, runFields } from './fields';
import { InputGrid, LoadModelChoice, RunInput, ScenarioField } from './RunInputs';
import { StartActions } from './StartActions';
import { TargetFields } from './TargetFields';
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
  const [apiProfile, setApiProfile] = useState('');
  // Bumped by a reset, so the target block forgets its check.
  const [resets, setResets] = useState(0);

  const sent = useMemo(() => withLoadModel(values, model), [values, model]);
  const withProfile = apiProfile && values.baseUrl.trim() ? { apiProfile } : undefined;
  const { config, errors } = useRunValidation(sent, withProfile);
  const start = useAction(startRun, onStarted);
  const serverError = start.error;
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

  const chooseProfile = (name: string) => {
    setApiProfile(name);
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
    setApiProfile('');
    setResets((n) => n + 1);
  };

  const { loadFields, maxRps, numberFields } = runFields(limits);
  const input = (f: InputSpec) => (
    <RunInput key={f.field} spec={f} value={values[f.field]} error={shown(f.field)} onChange={(v) => set(f.field, v)} />
  );

  return (
    <form onSubmit={onSubmit} noValidate data-testid={testIds.runForm.form}>
      <FieldSet label="Start a simulation">
        <ScenarioField
          scenarios={scenarios}
          value={values.scenario}
          error={shown('scenario')}
          onChange={(v) => set('scenario', v)}
        />
        <LoadModelChoice model={model} onChange={setModel} />
        <InputGrid>
          {loadFields[model].map(input)}
          {input(maxRps)}
        </InputGrid>
        <InputGrid>{numberFields.map(input)}</InputGrid>
        <TargetFields
          key={resets}
          baseUrl={values.baseUrl}
          onBaseUrl={(v) => set('baseUrl', v)}
          baseUrlError={shown('baseUrl')}
          allowedTargets={limits.allowedTargets}
          profiles={limits.apiProfiles ?? []}
          apiProfile={apiProfile}
          onApiProfile={chooseProfile}
          startError={serverError}
          permission={permission}
        />
        <StartActions
          start={start}
          permission={permission}
          activeRuns={activeRuns}
          maxConcurrentRuns={limits.maxConcurrentRuns}
          onReset={onReset}
        />
      </FieldSet>
    </form>
  );
}
