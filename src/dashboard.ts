import { urlUtil } from '@grafana/data';
import { config } from '@grafana/runtime';

import { RunStatus, isActive } from './api/types';
import { DASHBOARD_RUN_VARIABLE, OVERVIEW_DASHBOARD_UID } from './constants';

/**
 * runDashboardUrl links to the provisioned simulator dashboard with its run variable set
 * to this run and the time range around it (live-refreshing while the run is active).
 */
export function runDashboardUrl(run: Pick<RunStatus, 'id' | 'state' | 'startedAt' | 'endedAt'>): string {
  const params: Record<string, string> = { [`var-${DASHBOARD_RUN_VARIABLE}`]: run.id };
  const started = run.startedAt ? Date.parse(run.startedAt) : NaN;
  const ended = run.endedAt ? Date.parse(run.endedAt) : NaN;
  if (!Number.isNaN(started)) {
    params.from = String(started - 60_000);
    params.to = !isActive(run) && !Number.isNaN(ended) ? String(ended + 60_000) : 'now';
  }
  if (isActive(run)) {
    params.refresh = '5s';
  }
  return urlUtil.renderUrl(`${config.appSubUrl ?? ''}/d/${OVERVIEW_DASHBOARD_UID}`, params);
}
