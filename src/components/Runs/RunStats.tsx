import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Badge, BadgeColor, useStyles2 } from '@grafana/ui';

import { RunState, RunStats as Stats } from '../../api/types';
import { formatCount, formatDuration, formatMs, formatPercent, formatRate } from '../../format';

const stateColors: Record<RunState, BadgeColor> = {
  starting: 'blue',
  running: 'green',
  stopping: 'orange',
  finished: 'darkgrey',
  failed: 'red',
  leftovers: 'orange',
};

const stateIcons = {
  starting: 'fa fa-spinner',
  running: 'play',
  stopping: 'pause',
  finished: 'check',
  failed: 'exclamation-triangle',
  leftovers: 'trash-alt',
} as const;

export function RunStateBadge({ state, testId }: { state: RunState; testId?: string }) {
  return (
    <span data-testid={testId}>
      <Badge text={state} color={stateColors[state] ?? 'darkgrey'} icon={stateIcons[state]} />
    </span>
  );
}

export interface StatItem {
  key: string;
  label: string;
  value: string;
}

/** What the load model asks for now: shown for the open model and for stages, whose load moves. */
function loadItems(s: Stats): StatItem[] {
  const stage = s.stage ? ` · stage ${s.stage}` : '';
  if (s.model === 'open') {
    return [
      { key: 'target', label: 'Arrival rate', value: `${formatRate(s.targetRate ?? 0)}/s${stage}` },
      { key: 'iterations', label: 'Iterations', value: formatCount(s.iterations ?? 0) },
      { key: 'dropped', label: 'Dropped', value: formatCount(s.droppedIterations ?? 0) },
    ];
  }
  if (s.stage) {
    return [{ key: 'target', label: 'Target users', value: `${formatCount(s.targetUsers ?? 0)}${stage}` }];
  }
  return [];
}

export function statItems(s: Stats): StatItem[] {
  return [
    { key: 'users', label: 'Active users', value: `${formatCount(s.activeUsers)} / ${formatCount(s.totalUsers)}` },
    ...loadItems(s),
    { key: 'requests', label: 'Requests', value: formatCount(s.requests) },
    { key: 'rps', label: 'Requests/s', value: formatRate(s.rps) },
    { key: 'success', label: 'Success', value: formatPercent(s.successRate) },
    { key: 'errors', label: 'Errors', value: formatCount(s.errors) },
    { key: 'avg', label: 'Avg latency', value: formatMs(s.avgLatencyMs) },
    { key: 'p95', label: 'p95 latency', value: formatMs(s.p95LatencyMs) },
    { key: 'max', label: 'Max latency', value: formatMs(s.maxLatencyMs) },
    { key: 'elapsed', label: 'Elapsed', value: formatDuration(s.elapsedSeconds) },
    { key: 'remaining', label: 'Remaining', value: formatDuration(s.remainingSeconds) },
  ];
}

export interface RunStatsProps {
  stats: Stats;
  /** Only these stats, in this order (the panel shows fewer). */
  only?: string[];
  testId: (name: string) => string;
  compact?: boolean;
}

/** RunStats shows a run's live figures as label/value pairs. */
export function RunStats({ stats, only, testId, compact }: RunStatsProps) {
  const styles = useStyles2(getStyles, compact);
  let items = statItems(stats);
  if (only) {
    items = only.map((k) => items.find((i) => i.key === k)).filter((i): i is StatItem => Boolean(i));
  }
  return (
    <dl className={styles.grid}>
      {items.map((i) => (
        <div key={i.key} className={styles.item}>
          <dt className={styles.label}>{i.label}</dt>
          <dd className={styles.value} data-testid={testId(i.key)}>
            {i.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

const getStyles = (theme: GrafanaTheme2, compact?: boolean) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: `repeat(auto-fill, minmax(${compact ? 96 : 120}px, 1fr))`,
    gap: theme.spacing(compact ? 0.5 : 1),
    margin: 0,
  }),
  item: css({
    padding: theme.spacing(compact ? 0.5 : 1),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
  }),
  label: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  value: css({
    margin: 0,
    fontSize: compact ? theme.typography.h5.fontSize : theme.typography.h4.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    fontVariantNumeric: 'tabular-nums',
  }),
});
