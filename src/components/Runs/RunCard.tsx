import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, ControlledCollapse, Icon, LinkButton, Stack, Text, Tooltip, useStyles2 } from '@grafana/ui';

import { cleanupRun, stopRun } from '../../api/client';
import { isActive, RunStatus } from '../../api/types';
import { useAction, useRunAnswer } from '../../hooks/useAction';
import { useLiveRun } from '../../hooks/useLiveRun';
import { runDashboardUrl } from '../../dashboard';
import { formatDateTime, formatLoadModel, formatResilience } from '../../format';
import { ControlPermission } from '../../roles';
import { testIds } from '../testIds';
import { RecentRequests } from './RecentRequests';
import { RunStateBadge, RunStats } from './RunStats';

export interface RunCardProps {
  run: RunStatus;
  permission: ControlPermission;
  /** Open the recent-requests feed at first. */
  expanded?: boolean;
}

/** RunCard shows one run: state, live stats, recent requests, Stop and the dashboard link. */
export function RunCard({ run: listed, permission, expanded }: RunCardProps) {
  const styles = useStyles2(getStyles);
  const { known = listed, setAnswer } = useRunAnswer(listed);
  const { run, live, error } = useLiveRun(known);
  const active = isActive(run);
  const c = run.config;
  const protecting = active ? formatResilience(run.stats) : '';

  const stop = useAction((graceful: boolean) => stopRun(run.id, graceful), setAnswer);
  const cleanup = useAction(() => cleanupRun(run.id), setAnswer);

  const stopDisabledReason = !permission.allowed ? permission.reason : undefined;
  const leftovers = run.state === 'leftovers' && run.cleanup ? run.cleanup : undefined;
  // Why the count is not verified, unless the error already says it.
  const unverified =
    leftovers &&
    !leftovers.verified &&
    leftovers.reason &&
    !(leftovers.error && leftovers.reason.includes(leftovers.error))
      ? leftovers.reason
      : '';

  return (
    <section className={styles.card} data-testid={testIds.runs.card(run.id)} aria-label={`Run ${run.id}`}>
      <Stack direction="row" justifyContent="space-between" alignItems="flex-start" wrap="wrap" gap={1}>
        <Stack direction="column" gap={0.5}>
          <Stack direction="row" alignItems="center" gap={1}>
            <Text element="h4" weight="medium">
              Run {run.id}
            </Text>
            <RunStateBadge state={run.state} testId={testIds.runs.state(run.id)} />
            {active && (
              <span data-testid={testIds.runs.live(run.id)}>
                <Tooltip
                  content={
                    live
                      ? 'Updated every second over Grafana Live'
                      : 'Grafana Live is not delivering updates; polling the run every few seconds'
                  }
                >
                  <Text color="secondary" variant="bodySmall">
                    <Icon name={live ? 'bolt' : 'sync'} /> {live ? 'live' : 'polling'}
                  </Text>
                </Tooltip>
              </span>
            )}
          </Stack>
          <Text color="secondary" variant="bodySmall" data-testid={testIds.runs.config(run.id)}>
            {c.scenario} · {formatLoadModel(c)} · {c.minRequestCount}–{c.maxRequestCount} requests each ·{' '}
            {c.durationSeconds > 0 ? `${c.durationSeconds}s limit` : 'no time limit'} · think {c.delayMinMs}–
            {c.delayMaxMs} ms · seed {c.seed} · target {c.baseUrl || 'embedded reference service'}
          </Text>
          <Text color="secondary" variant="bodySmall">
            started {formatDateTime(run.startedAt)}
            {run.endedAt ? ` · ended ${formatDateTime(run.endedAt)}` : ''}
          </Text>
        </Stack>
        <Stack direction="row" gap={1} alignItems="center">
          <LinkButton
            href={runDashboardUrl(run)}
            icon="apps"
            variant="secondary"
            size="sm"
            data-testid={testIds.runs.dashboard(run.id)}
          >
            Dashboard
          </LinkButton>
          {active && (
            <Button
              variant="destructive"
              size="sm"
              icon="square-shape"
              disabled={!permission.allowed || stop.busy}
              tooltip={
                stopDisabledReason ??
                (run.state === 'stopping'
                  ? 'Cancel in-flight requests too, instead of letting them finish'
                  : 'No new requests; in-flight ones finish and simulation data is cleaned up')
              }
              onClick={() => stop.run(run.state !== 'stopping')}
              data-testid={testIds.runs.stop(run.id)}
            >
              {run.state === 'stopping' ? 'Stop now' : 'Stop'}
            </Button>
          )}
        </Stack>
      </Stack>
      {active && !permission.allowed && (
        <Text color="secondary" variant="bodySmall">
          {permission.reason}
        </Text>
      )}

      {(run.warnings ?? []).length > 0 && (
        <Alert severity="error" title="Insecure target connection" data-testid={testIds.runs.warnings(run.id)}>
          {(run.warnings ?? []).join(' ')}
        </Alert>
      )}
      {run.state === 'failed' && run.error && (
        <Alert severity="error" title="The run failed">
          {run.error}
        </Alert>
      )}
      {leftovers && (
        <Alert
          severity="warning"
          title={`${leftovers.verified ? '' : 'At least '}${leftovers.left} simulation record${leftovers.left === 1 ? '' : 's'} left on the target`}
          data-testid={testIds.runs.leftovers(run.id)}
        >
          <Stack direction="column" gap={1}>
            <div>
              The cleanup deleted {leftovers.deleted} of {leftovers.created} records the run created
              {leftovers.error ? `: ${leftovers.error}.` : '.'}
              {unverified ? ` Not verified: ${unverified}.` : ''}
              {leftovers.leftNames.length > 0 ? ` Left: ${leftovers.leftNames.join(', ')}.` : ''}
            </div>
            <div>
              <Button
                size="sm"
                icon="trash-alt"
                disabled={!permission.allowed || cleanup.busy}
                tooltip={
                  stopDisabledReason ??
                  "Delete the run's records (sim_<run>_…) through the engine, logging in with the app's target admin password"
                }
                onClick={() => cleanup.run()}
                data-testid={testIds.runs.cleanup(run.id)}
              >
                {cleanup.busy ? 'Cleaning up…' : 'Clean up'}
              </Button>
            </div>
          </Stack>
        </Alert>
      )}
      {cleanup.error && (
        <Alert severity="error" title={cleanup.error.title} data-testid={testIds.runs.cleanupError(run.id)}>
          {cleanup.error.message}
        </Alert>
      )}
      {stop.error && (
        <Alert severity="error" title={stop.error.title} data-testid={testIds.runs.stopError(run.id)}>
          {stop.error.message}
        </Alert>
      )}
      {protecting && (
        <Alert
          severity="warning"
          title="The engine is protecting the target"
          data-testid={testIds.runs.resilience(run.id)}
        >
          {protecting}. The VUs turn to other work until the target recovers; the simulator dashboard&apos;s Resilience
          row shows it over time.
        </Alert>
      )}
      {error && active && (
        <Alert severity="warning" title="Live status unavailable">
          {error.message}
        </Alert>
      )}

      <div className={styles.stats}>
        <RunStats stats={run.stats} testId={(name) => testIds.runs.stat(run.id, name)} />
      </div>

      <ControlledCollapse label={`Recent requests (${run.recent?.length ?? 0})`} isOpen={expanded ?? active}>
        <RecentRequests recent={run.recent} testId={testIds.runs.recent(run.id)} />
      </ControlledCollapse>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    padding: theme.spacing(2),
    marginBottom: theme.spacing(2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
  }),
  stats: css({
    margin: theme.spacing(2, 0),
  }),
});
