import React, { FormEvent, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import {
  Alert,
  Button,
  Combobox,
  ComboboxOption,
  InlineField,
  Input,
  LinkButton,
  Stack,
  Text,
  useStyles2,
} from '@grafana/ui';

import { getLimits, getScenarios, startRun, stopRun } from '../../api/client';
import { isActive, RunStatus } from '../../api/types';
import { RecentRequests } from '../../components/Runs/RecentRequests';
import { RunStateBadge, RunStats } from '../../components/Runs/RunStats';
import { useRunValidation } from '../../components/RunForm/useRunValidation';
import { valuesFromConfig } from '../../components/RunForm/validation';
import { testIds } from '../../components/testIds';
import { DASHBOARD_RUN_VARIABLE, ROUTES } from '../../constants';
import { useAction, useRunAnswer } from '../../hooks/useAction';
import { useLiveRun } from '../../hooks/useLiveRun';
import { useLoad } from '../../hooks/useLoad';
import { useRuns } from '../../hooks/useRuns';
import { runDashboardUrl } from '../../dashboard';
import { formatLoadModel } from '../../format';
import { controlPermission } from '../../roles';
import { prefixRoute } from '../../routing';
import { ControlOptions } from './types';

const PANEL_STATS = ['users', 'requests', 'rps', 'success', 'p95', 'remaining'];

/**
 * pickRun chooses the run the panel shows: the one just started or stopped here, else the
 * run selected in the dashboard's run variable, else the newest active run, else the newest.
 */
export function pickRun(runs: RunStatus[], selectedId: string | undefined, variable: string): RunStatus | undefined {
  const byId = (id: string | undefined) => (id ? runs.find((r) => r.id === id) : undefined);
  return (
    byId(selectedId) ??
    byId(variable) ??
    [...runs].reverse().find(isActive) ??
    (runs.length > 0 ? runs[runs.length - 1] : undefined)
  );
}

/** LiveRunView follows one run over Grafana Live (polling as fallback) and shows its figures. */
function LiveRunView({
  known,
  showRecent,
  children,
}: {
  known: RunStatus;
  showRecent: boolean;
  children: (run: RunStatus) => React.ReactNode;
}) {
  const { run } = useLiveRun(known);
  return (
    <>
      {children(run)}
      <RunStats stats={run.stats} only={PANEL_STATS} compact testId={testIds.panel.stat} />
      {run.state === 'failed' && run.error && <Text color="error">{run.error}</Text>}
      {showRecent && <RecentRequests recent={run.recent} testId={`${testIds.panel.root}-recent`} />}
    </>
  );
}

/** ControlPanel is the "Simulation control" panel: compact start/stop with live stats. */
export function ControlPanel({ options, replaceVariables }: PanelProps<ControlOptions>) {
  const styles = useStyles2(getStyles);
  const permission = useMemo(() => controlPermission(), []);
  const limits = useLoad(getLimits, 'Loading the limits');
  const scenarios = useLoad(getScenarios, 'Loading the scenarios');
  const { runs, error: runsError, upsert } = useRuns();

  // What the user typed; until then the panel options, then the app's defaults, apply.
  const [edited, setEdited] = useState<{ scenario?: string; users?: string; duration?: string }>({});
  const [selectedId, setSelectedId] = useState<string | undefined>();

  const d = limits.value?.defaults;
  const scenario = edited.scenario ?? (options.scenario || d?.scenario || '');
  const users =
    edited.users ??
    (options.users > 0
      ? String(Math.min(options.users, limits.value?.maxUsers ?? options.users))
      : String(d?.users ?? ''));
  const duration =
    edited.duration ?? String(options.durationSeconds >= 0 ? options.durationSeconds : (d?.durationSeconds ?? ''));

  const variable = replaceVariables(`$${DASHBOARD_RUN_VARIABLE}`);
  const { known, setAnswer } = useRunAnswer(pickRun(runs, selectedId, variable));
  // Start and stop share one busy state and one error: the panel has room for one alert.
  const answered = (run: RunStatus) => {
    upsert(run);
    setAnswer(run);
    setSelectedId(run.id);
  };
  const action = useAction((send: () => Promise<RunStatus>) => send(), answered);
  const busy = action.busy;
  const actionError = action.error;

  const values = useMemo(
    () => (d ? { ...valuesFromConfig(d), scenario, users, durationSeconds: duration } : undefined),
    [d, scenario, users, duration]
  );
  const validation = useRunValidation(values);
  const firstError = Object.entries(validation.errors)[0];

  const start = (e: FormEvent) => {
    e.preventDefault();
    const config = validation.config;
    if (config && permission.allowed && Object.keys(validation.errors).length === 0) {
      void action.run(() => startRun(config));
    }
  };
  const stop = (run: RunStatus) => action.run(() => stopRun(run.id, run.state !== 'stopping'));

  const scenarioOptions: Array<ComboboxOption<string>> = (scenarios.value ?? []).map((s) => ({
    value: s.name,
    label: s.name,
    description: s.description,
  }));
  const loadError = limits.error ?? scenarios.error ?? runsError;

  return (
    <div className={styles.root} data-testid={testIds.panel.root}>
      <form onSubmit={start} noValidate>
        <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
          <InlineField label="Scenario" disabled={!permission.allowed}>
            <Combobox
              id="panel-scenario"
              options={scenarioOptions}
              value={scenario || null}
              onChange={(o) => setEdited((e) => ({ ...e, scenario: o.value }))}
              width={20}
            />
          </InlineField>
          <InlineField label="Users" invalid={Boolean(validation.errors.users)} disabled={!permission.allowed}>
            <Input
              id="panel-users"
              aria-label="Users"
              type="number"
              min={1}
              width={10}
              value={users}
              onChange={(ev) => {
                const users = ev.currentTarget.value;
                setEdited((e) => ({ ...e, users }));
              }}
            />
          </InlineField>
          <InlineField
            label="Duration (s)"
            invalid={Boolean(validation.errors.durationSeconds)}
            disabled={!permission.allowed}
          >
            <Input
              id="panel-duration"
              aria-label="Duration (s)"
              type="number"
              min={0}
              width={10}
              value={duration}
              onChange={(ev) => {
                const duration = ev.currentTarget.value;
                setEdited((e) => ({ ...e, duration }));
              }}
            />
          </InlineField>
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
      {loadError && (
        <Alert severity="error" title={loadError.title}>
          {loadError.message}
        </Alert>
      )}
      {actionError && (
        <Alert
          severity="error"
          title={actionError.title}
          data-testid={testIds.panel.error}
          onRemove={action.clearError}
        >
          {actionError.message}
        </Alert>
      )}
      {known ? (
        <LiveRunView known={known} showRecent={options.showRecent}>
          {(run) => (
            <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
              <Text weight="medium">Run {run.id}</Text>
              <RunStateBadge state={run.state} testId={testIds.panel.state} />
              <Text color="secondary" variant="bodySmall">
                {run.config.scenario} · {formatLoadModel(run.config)}
              </Text>
              {isActive(run) && (
                <Button
                  type="button"
                  size="sm"
                  variant="destructive"
                  icon="square-shape"
                  disabled={!permission.allowed || busy}
                  tooltip={permission.allowed ? undefined : permission.reason}
                  onClick={() => stop(run)}
                  data-testid={testIds.panel.stop}
                >
                  {run.state === 'stopping' ? 'Stop now' : 'Stop'}
                </Button>
              )}
              <LinkButton href={runDashboardUrl(run)} size="sm" variant="secondary" fill="text" icon="apps">
                Filter dashboard
              </LinkButton>
            </Stack>
          )}
        </LiveRunView>
      ) : (
        <Text color="secondary" variant="bodySmall">
          No simulation has run yet.
        </Text>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    height: '100%',
    overflow: 'auto',
  }),
});
