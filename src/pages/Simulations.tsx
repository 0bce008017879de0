import React, { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, LoadingPlaceholder, Stack, Text } from '@grafana/ui';

import { getLimits, getScenarios } from '../api/client';
import { isActive, RunStatus } from '../api/types';
import { RunForm } from '../components/RunForm/RunForm';
import { RunList } from '../components/Runs/RunList';
import { useLoad } from '../hooks/useLoad';
import { useRuns } from '../hooks/useRuns';
import { controlPermission } from '../roles';

/** Simulations is the app's main page: the start form, then the runs with live stats. */
export function Simulations() {
  const [params] = useSearchParams();
  const limits = useLoad(getLimits, 'Loading the limits');
  const scenarios = useLoad(getScenarios, 'Loading the scenarios');
  const { runs, loading, error, upsert } = useRuns();
  const permission = useMemo(() => controlPermission(), []);
  const activeRuns = runs.filter(isActive).length;
  // The form waits for both, so its defaults (and a preselected scenario) are complete.
  const formReady = Boolean(limits.value && (scenarios.value || scenarios.error));
  const onStarted = useCallback((run: RunStatus) => upsert(run), [upsert]);

  return (
    <PluginPage>
      <Stack direction="column" gap={2}>
        <Text color="secondary">
          Simulate users of a user-service API: each virtual user logs in, browses, changes data and logs out the way a
          person would. Watch a run here or on the simulator dashboard.
        </Text>
        {limits.error && (
          <Alert severity="error" title={limits.error.title}>
            {limits.error.message}
          </Alert>
        )}
        {scenarios.error && (
          <Alert severity="error" title={scenarios.error.title}>
            {scenarios.error.message}
          </Alert>
        )}
        {!formReady && !limits.error && <LoadingPlaceholder text="Loading the limits and scenarios…" />}
        {formReady && limits.value && (
          <RunForm
            limits={limits.value}
            scenarios={scenarios.value ?? []}
            permission={permission}
            activeRuns={activeRuns}
            initialScenario={params.get('scenario') ?? undefined}
            onStarted={onStarted}
          />
        )}
        <Text element="h3">Runs</Text>
        <RunList runs={runs} loading={loading} error={error} permission={permission} />
      </Stack>
    </PluginPage>
  );
}

export default Simulations;
