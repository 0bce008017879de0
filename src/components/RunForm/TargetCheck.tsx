import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, useStyles2 } from '@grafana/ui';

import { CheckResult } from '../../api/types';
import { testIds } from '../testIds';

const verdictColor = (v: string) => (v === 'ok' ? 'green' : v === 'FAIL' ? 'red' : 'darkgrey');

/** TargetCheckTable shows the engine's check of a target: one row per request, with the fix of each failure. */
export function TargetCheckTable({ result }: { result: CheckResult }) {
  const styles = useStyles2(getStyles);
  const rows = result.rows ?? [];
  const failed = rows.filter((r) => r.verdict === 'FAIL').length;
  return (
    <div className={styles.wrap}>
      <Alert
        severity={result.passed ? 'success' : result.fatal ? 'error' : 'warning'}
        title={
          result.passed
            ? `All ${rows.length} checks passed`
            : `${failed} of ${rows.length} checks failed${result.fatal ? '; a run would not work' : ''}`
        }
        data-testid={testIds.runForm.checkSummary}
      >
        {result.fatal || (result.passed ? 'The profile fits the target.' : 'Those capabilities will fail in a run.')}
      </Alert>
      {(result.warnings ?? []).length > 0 && (
        <Alert severity="error" title="Insecure target connection">
          {(result.warnings ?? []).join(' ')}
        </Alert>
      )}
      <table className={styles.table} data-testid={testIds.runForm.checkTable}>
        <thead>
          <tr>
            <th>Capability</th>
            <th>Method and path</th>
            <th>Status</th>
            <th>Verdict</th>
            <th>Fix</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} data-testid={testIds.runForm.checkRow(i)}>
              <td>{r.capability}</td>
              <td>
                <code>
                  {r.method} {r.path}
                </code>
              </td>
              <td>{r.status > 0 ? r.status : r.verdict === 'skipped' ? '–' : 'none'}</td>
              <td>
                <Badge text={r.verdict} color={verdictColor(r.verdict)} />
              </td>
              <td>{r.fix || r.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ marginBottom: theme.spacing(2) }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': {
      textAlign: 'left',
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      verticalAlign: 'top',
    },
  }),
});
