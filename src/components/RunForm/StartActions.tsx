import React from 'react';
import { Alert, Button, Stack, Text } from '@grafana/ui';

import { Action } from '../../hooks/useAction';
import { ControlPermission } from '../../roles';
import { testIds } from '../testIds';

export interface StartActionsProps {
  start: Pick<Action<unknown[]>, 'busy' | 'error'>;
  permission: ControlPermission;
  activeRuns: number;
  maxConcurrentRuns: number;
  onReset: () => void;
}

/** StartActions ends the form: the start's refusal, Start and Reset, and why starting may not work. */
export function StartActions({ start, permission, activeRuns, maxConcurrentRuns, onReset }: StartActionsProps) {
  return (
    <>
      {start.error && (
        <Alert severity="error" title={start.error.title} data-testid={testIds.runForm.error}>
          {start.error.message}
        </Alert>
      )}

      <Stack direction="row" alignItems="center" gap={2} wrap="wrap">
        <Button
          type="submit"
          icon={start.busy ? 'spinner' : 'play'}
          disabled={!permission.allowed || start.busy}
          tooltip={permission.allowed ? undefined : permission.reason}
          data-testid={testIds.runForm.start}
        >
          {start.busy ? 'Starting…' : 'Start'}
        </Button>
        <Button type="button" variant="secondary" fill="outline" onClick={onReset}>
          Reset to defaults
        </Button>
        {!permission.allowed && (
          <Text color="secondary" data-testid={testIds.runForm.disabledReason}>
            {permission.reason}
          </Text>
        )}
        {permission.allowed && activeRuns >= maxConcurrentRuns && (
          <Text color="warning">
            {activeRuns} of {maxConcurrentRuns} allowed runs are active; a new one is refused until one ends.
          </Text>
        )}
      </Stack>
    </>
  );
}
