import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, FieldSet, Input, Stack, TextArea, useStyles2 } from '@grafana/ui';

import { ApiProfile } from '../../api/types';
import { testIds } from '../testIds';

export interface ProfilesSectionProps {
  profiles: ApiProfile[];
  /** One message per profile ('' when fine), shown once the form was touched. */
  errors: string[];
  touched: boolean;
  /** Changes profile i; null removes it. */
  onChange: (i: number, p: Partial<ApiProfile> | null) => void;
  onAdd: () => void;
}

/** ProfilesSection: the org's named API profiles, each a name and its YAML. */
export function ProfilesSection({ profiles, errors, touched, onChange, onAdd }: ProfilesSectionProps) {
  const styles = useStyles2(getStyles);
  return (
    <FieldSet label="API profiles">
      <p className={styles.help}>
        Named API profiles (docs/api-profile.md) for targets shaped unlike the reference API: the run form offers them
        for an allowed target, and Check target tries one before any load. The engine parses each profile when you save.
      </p>
      {profiles.map((p, i) => (
        <div key={i} className={styles.profile}>
          <Stack direction="row" gap={2} alignItems="flex-start">
            <Field label="Name" invalid={touched && errors[i].startsWith('name')} error={touched ? errors[i] : ''}>
              <Input
                data-testid={testIds.appConfig.profileName(i)}
                width={30}
                placeholder="othersvc"
                value={p.name}
                onChange={(e) => onChange(i, { name: e.currentTarget.value })}
              />
            </Field>
            <Button
              type="button"
              variant="destructive"
              fill="outline"
              icon="trash-alt"
              className={styles.remove}
              onClick={() => onChange(i, null)}
              data-testid={testIds.appConfig.profileRemove(i)}
            >
              Remove
            </Button>
          </Stack>
          <Field label="Profile (YAML)" invalid={touched && errors[i].startsWith('yaml')}>
            <TextArea
              data-testid={testIds.appConfig.profileYaml(i)}
              rows={8}
              className={styles.yaml}
              placeholder={'base_path: /rest\nroutes:\n  auth.login: POST /session\ntoken:\n  access: data.accessToken'}
              value={p.yaml}
              onChange={(e) => onChange(i, { yaml: e.currentTarget.value })}
            />
          </Field>
        </div>
      ))}
      <Button type="button" variant="secondary" icon="plus" onClick={onAdd} data-testid={testIds.appConfig.profileAdd}>
        Add API profile
      </Button>
    </FieldSet>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  help: css({
    color: theme.colors.text.secondary,
  }),
  profile: css({
    borderLeft: `2px solid ${theme.colors.border.medium}`,
    paddingLeft: theme.spacing(2),
    marginBottom: theme.spacing(2),
  }),
  remove: css({
    marginTop: theme.spacing(3),
  }),
  yaml: css({
    fontFamily: theme.typography.fontFamilyMonospace,
  }),
});
