import React from 'react';
import { Button, LinkButton, Stack, Text } from '@grafana/ui';

import { isActive, RunStatus } from '../../api/types';
import { RecentRequests } from '../../components/Runs/RecentRequests';
import { RunStateBadge, RunStats } from '../../components/Runs/RunStats';
import { testIds } from '../../components/testIds';
import { runDashboardUrl } from '../../dashboard';
import { formatLoadModel } from '../../format';
import { useLiveRun } from '../../hooks/useLiveRun';
import { ControlPermission } from '../../roles';

const PANEL_STATS = ['users', 'requests', 'rps', 'success', 'p95', 'remaining'];

export interface PanelRunProps {
  known: RunStatus;
  showRecent: boolean;
  permission: ControlPermission;
  busy: boolean;
  onStop: (run: RunStatus) => void;
}

/** PanelRun follows one run over Grafana Live (polling as fallback): its header with Stop, and its figures. */
export function PanelRun({ known, showRecent, permission, busy, onStop }: PanelRunProps) {
  const { run } = useLiveRun(known);
  return (
    <>
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
            onClick={() => onStop(run)}
            data-testid={testIds.panel.stop}
          >
            {run.state === 'stopping' ? 'Stop now' : 'Stop'}
          </Button>
        )}
        <LinkButton href={runDashboardUrl(run)} size="sm" variant="secondary" fill="text" icon="apps">
          Filter dashboard
        </LinkButton>
      </Stack>
      <RunStats stats={run.stats} only={PANEL_STATS} compact testId={testIds.panel.stat} />
      {run.state === 'failed' && run.error && <Text color="error">{run.error}</Text>}
      {showRecent && <RecentRequests recent={run.recent} testId={`${testIds.panel.root}-recent`} />}
    </>
  );
}
