import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2, PanelProps } from '@grafana/data';
import { Alert, Text, useStyles2 } from '@grafana/ui';

import { getLimits, getScenarios, startRun, stopRun } from '../../api/client';
import { isActive, RunStatus } from '../../api/types';
import { testIds } from '../../components/testIds';
import { DASHBOARD_RUN_VARIABLE } from '../../constants';
import { useAction, useRunAnswer } from '../../hooks/useAction';
import { useLoad } from '../../hooks/useLoad';
import { useRuns } from '../../hooks/useRuns';
import { controlPermission } from '../../roles';
import { PanelRun } from './PanelRun';
import { PanelStartForm, usePanelStart } from './PanelStartForm';
import { ControlOptions } from './types';

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

/** ControlPanel is the "Simulation control" panel: compact start/stop with live stats. */
export function ControlPanel({ options, replaceVariables }: PanelProps<ControlOptions>) {
  const styles = useStyles2(getStyles);
  const permission = useMemo(() => controlPermission(), []);
  const limits = useLoad(getLimits, 'Loading the limits');
  const scenarios = useLoad(getScenarios, 'Loading the scenarios');
  const { runs, error: runsError, upsert } = useRuns();
  const startForm = usePanelStart(options, limits.value);
  const [selectedId, setSelectedId] = useState<string | undefined>();

  const variable = replaceVariables(`$${DASHBOARD_RUN_VARIABLE}`);
  const { known, setAnswer } = useRunAnswer(pickRun(runs, selectedId, variable));
  // Start and stop share one busy state and one error: the panel has room for one alert.
  const answered = (run: RunStatus) => {
    upsert(run);
    setAnswer(run);
    setSelectedId(run.id);
  };
  const action = useAction((send: () => Promise<RunStatus>) => send(), answered);
  const stop = (run: RunStatus) => action.run(() => stopRun(run.id, run.state !== 'stopping'));
  const loadError = limits.error ?? scenarios.error ?? runsError;

  return (
    <div className={styles.root} data-testid={testIds.panel.root}>
      <PanelStartForm
        start={startForm}
        scenarios={scenarios.value ?? []}
        permission={permission}
        busy={action.busy}
        onStart={(config) => void action.run(() => startRun(config))}
      />
      {loadError && (
        <Alert severity="error" title={loadError.title}>
          {loadError.message}
        </Alert>
      )}
      {action.error && (
        <Alert
          severity="error"
          title={action.error.title}
          data-testid={testIds.panel.error}
          onRemove={action.clearError}
        >
          {action.error.message}
        </Alert>
      )}
      {known ? (
        <PanelRun
          known={known}
          showRecent={options.showRecent}
          permission={permission}
          busy={action.busy}
          onStop={(run) => void stop(run)}
        />
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
