import React, { useState } from 'react';
import { Alert, Button, Field, Input, RadioButtonGroup, Stack } from '@grafana/ui';

import { checkTarget } from '../../api/client';
import { ApiError } from '../../api/errors';
import { CheckResult } from '../../api/types';
import { useAction } from '../../hooks/useAction';
import { ControlPermission } from '../../roles';
import { testIds } from '../testIds';
import { TargetCheckTable } from './TargetCheck';

export interface TargetFieldsProps {
  baseUrl: string;
  onBaseUrl: (value: string) => void;
  /** What is wrong with the base URL, if anything is to be shown. */
  baseUrlError?: string;
  /** Allowed targets, http(s)://host[:port] (GET /limits). */
  allowedTargets: string[];
  profiles: string[];
  apiProfile: string;
  onApiProfile: (name: string) => void;
  /** The start's refusal, shown at the profile when it names it. */
  startError?: ApiError;
  permission: ControlPermission;
}

/**
 * TargetFields chooses what a run drives: the target URL, the API profile it is shaped by,
 * and the engine's check of the two. A check is shown only while URL and profile are the
 * ones it ran against; the form remounts this block to forget a check error on reset.
 */
export function TargetFields(p: TargetFieldsProps) {
  const url = p.baseUrl.trim();
  const [check, setCheck] = useState<{ against: string; result: CheckResult }>();
  const against = `${url}\n${p.apiProfile}`;
  const checking = useAction(checkTarget, (result: CheckResult) => setCheck({ against, result }));
  const shownCheck = check?.against === against ? check.result : undefined;
  const profileError = p.startError?.field === 'apiProfile' ? p.startError.message : undefined;
  const targets =
    p.allowedTargets.length > 0
      ? `Allowed targets: ${p.allowedTargets.join(', ')}. A URL takes no path: a service under a path prefix gets it in its API profile's base_path.`
      : 'No other targets are allowed yet: an Admin can add them on the configuration page.';

  const onCheck = () => {
    if (p.permission.allowed && url !== '') {
      setCheck(undefined);
      void checking.run(url, p.apiProfile);
    }
  };

  return (
    <>
      <Field
        label="Target base URL"
        description={`Empty: the engine's embedded reference user service. ${targets}`}
        invalid={Boolean(p.baseUrlError)}
        error={p.baseUrlError}
      >
        <Input
          id="run-baseUrl"
          data-testid={testIds.runForm.input('baseUrl')}
          placeholder="empty = embedded reference target"
          value={p.baseUrl}
          onChange={(e) => p.onBaseUrl(e.currentTarget.value)}
          width={60}
        />
      </Field>

      {p.profiles.length > 0 && (
        <Field
          label="API profile"
          description="How the target's API is shaped (an Admin stores profiles on the configuration page); the reference API needs none. Only for a target URL."
          invalid={Boolean(profileError)}
          error={profileError}
        >
          <div data-testid={testIds.runForm.apiProfile}>
            <RadioButtonGroup
              aria-label="API profile"
              options={[{ value: '', label: 'Reference API' }, ...p.profiles.map((n) => ({ value: n, label: n }))]}
              value={p.apiProfile}
              onChange={p.onApiProfile}
            />
          </div>
        </Field>
      )}
      <Stack direction="row" alignItems="center" gap={2} wrap="wrap">
        <Button
          type="button"
          variant="secondary"
          icon={checking.busy ? 'spinner' : 'check-circle'}
          disabled={!p.permission.allowed || checking.busy || url === ''}
          tooltip={
            !p.permission.allowed
              ? p.permission.reason
              : url === ''
                ? 'Enter a target URL to check; the embedded target needs no check.'
                : 'A handful of safe requests under a probe account that is removed again'
          }
          onClick={onCheck}
          data-testid={testIds.runForm.check}
        >
          {checking.busy ? 'Checking…' : 'Check target'}
        </Button>
      </Stack>
      {checking.error && (
        <Alert severity="error" title={checking.error.title} data-testid={testIds.runForm.checkError}>
          {checking.error.message}
        </Alert>
      )}
      {shownCheck && <TargetCheckTable result={shownCheck} />}
    </>
  );
}
