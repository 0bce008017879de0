import React, { FormEvent } from 'react';
import { css } from '@emotion/css';
import { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { Alert, Button, Stack, useStyles2 } from '@grafana/ui';

import { AppSettings } from '../../api/types';
import { testIds } from '../testIds';
import { EngineSection } from './EngineSection';
import { ProfilesSection } from './ProfilesSection';
import { TargetsSection } from './TargetsSection';
import { useAppSettings } from './useAppSettings';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

/**
 * AppConfig is the app's configuration page (Admins): the allowlist of targets with the
 * TLS of each https one, the run limits, the API profiles, the engine's metrics and
 * remote-write settings. Secrets are only ever shown as configured.
 */
const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const meta = plugin.meta;
  const {
    values,
    set,
    shown,
    secrets,
    setSecret,
    tls,
    setTls,
    profiles,
    profileErrs,
    setProfile,
    addProfile,
    touched,
    invalid,
    saving,
    saved,
    saveError,
    health,
    save,
  } = useAppSettings(meta);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save(true);
  };

  return (
    <form onSubmit={onSubmit} noValidate data-testid={testIds.appConfig.form}>
      {!meta.enabled && (
        <Alert severity="info" title="The app is not enabled">
          Enable it (button above) so its pages appear in the menu; the settings below can be saved either way.
        </Alert>
      )}
      <TargetsSection
        values={values}
        shown={shown}
        set={set}
        secrets={secrets}
        setSecret={setSecret}
        tls={tls}
        setTls={setTls}
        saveErrorField={saveError?.field}
        saveErrorMessage={saveError?.message}
      />
      <ProfilesSection
        profiles={profiles}
        errors={profileErrs}
        touched={touched}
        onChange={setProfile}
        onAdd={addProfile}
      />
      <EngineSection values={values} shown={shown} set={set} secrets={secrets} setSecret={setSecret} />

      {saveError && (
        <Alert severity="error" title={saveError.title} data-testid={testIds.appConfig.error}>
          {saveError.message}
        </Alert>
      )}
      {saved && !saveError && (
        <Alert severity="success" title="Settings saved" data-testid={testIds.appConfig.saved}>
          Running simulations continue; new runs use the new settings.
        </Alert>
      )}
      {health && (
        <Alert
          severity={health.status === 'OK' ? 'success' : 'error'}
          title={health.status === 'OK' ? 'Engine check passed' : 'Engine check failed'}
          data-testid={testIds.appConfig.health}
        >
          {health.message}
        </Alert>
      )}
      <div className={styles.actions}>
        <Stack direction="row" gap={1}>
          <Button type="submit" disabled={saving || (touched && invalid)} data-testid={testIds.appConfig.save}>
            {saving ? 'Saving…' : 'Save & test'}
          </Button>
          <Button
            type="button"
            variant="secondary"
            disabled={saving || (touched && invalid)}
            onClick={() => save(false)}
          >
            Save
          </Button>
        </Stack>
      </div>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  actions: css({
    marginTop: theme.spacing(2),
  }),
});
