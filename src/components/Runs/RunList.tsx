import React from 'react';
import { Alert, EmptyState, LoadingPlaceholder } from '@grafana/ui';

import { ApiError } from '../../api/errors';
import { isActive, RunStatus } from '../../api/types';
import { ControlPermission } from '../../roles';
import { testIds } from '../testIds';
import { RunCard } from './RunCard';

export interface RunListProps {
  runs: RunStatus[];
  loading: boolean;
  error?: ApiError;
  permission: ControlPermission;
}

/** RunList shows the runs newest first: active ones with live stats, ended ones with their final figures. */
export function RunList({ runs, loading, error, permission }: RunListProps) {
  const newestFirst = [...runs].reverse();
  return (
    <div data-testid={testIds.runs.list}>
      {error && (
        <Alert severity="error" title={error.title}>
          {error.message}
        </Alert>
      )}
      {loading && runs.length === 0 && <LoadingPlaceholder text="Loading runs…" />}
      {!loading && !error && runs.length === 0 && (
        <EmptyState variant="call-to-action" message="No simulations yet" hideImage>
          Start one with the form above; runs are listed here with live stats while they run.
        </EmptyState>
      )}
      {newestFirst.map((run, i) => (
        <RunCard key={run.id} run={run} permission={permission} expanded={i === 0 && isActive(run)} />
      ))}
    </div>
  );
}
