import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Combobox, ComboboxOption, Field, Input, RadioButtonGroup, useStyles2 } from '@grafana/ui';

import { Scenario } from '../../api/types';
import { testIds } from '../testIds';
import { InputSpec, LOAD_MODELS } from './fields';
import { LoadModel } from './validation';

export interface RunInputProps {
  spec: InputSpec;
  value: string;
  error?: string;
  onChange: (value: string) => void;
}

/** RunInput is one of the form's typed inputs (a number, or a text the CLI's grammar reads). */
export function RunInput({ spec: f, value, error, onChange }: RunInputProps) {
  const styles = useStyles2(getStyles);
  return (
    <Field label={f.label} description={f.description} invalid={Boolean(error)} error={error} className={styles.field}>
      <Input
        id={`run-${f.field}`}
        data-testid={testIds.runForm.input(f.field)}
        type={f.min === undefined ? 'text' : 'number'}
        min={f.min}
        max={f.max}
        step={f.min === undefined ? undefined : (f.step ?? 1)}
        placeholder={f.placeholder}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
    </Field>
  );
}

/** InputGrid lays inputs out in as many columns as fit. */
export function InputGrid({ children }: { children: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return <div className={styles.grid}>{children}</div>;
}

export interface ScenarioFieldProps {
  scenarios: Scenario[];
  value: string;
  error?: string;
  onChange: (name: string) => void;
}

/** ScenarioField picks what the virtual users do, describing the chosen scenario. */
export function ScenarioField({ scenarios, value, error, onChange }: ScenarioFieldProps) {
  const options: Array<ComboboxOption<string>> = scenarios.map((s) => ({
    value: s.name,
    label: s.name,
    description: s.description,
  }));
  const selected = scenarios.find((s) => s.name === value);
  return (
    <Field
      label="Scenario"
      description={selected ? selected.description : 'What the virtual users do.'}
      invalid={Boolean(error)}
      error={error}
    >
      <Combobox
        id="run-scenario"
        data-testid={testIds.runForm.scenario}
        options={options}
        value={value || null}
        onChange={(o) => onChange(o.value)}
        width={40}
      />
    </Field>
  );
}

/** LoadModelChoice picks closed or open load; the form then shows that model's inputs. */
export function LoadModelChoice({ model, onChange }: { model: LoadModel; onChange: (m: LoadModel) => void }) {
  return (
    <Field
      label="Load model"
      description="Fixed users and VU stages run a number of VUs that each wait for their answers (closed model); an arrival rate starts sessions on schedule however slow the target is (open model)."
    >
      <div data-testid={testIds.runForm.loadModel}>
        <RadioButtonGroup aria-label="Load model" options={LOAD_MODELS} value={model} onChange={onChange} />
      </div>
    </Field>
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
