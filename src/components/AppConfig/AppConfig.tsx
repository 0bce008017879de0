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
  const st = useAppSettings(meta);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    st.save(true);
  };

  return (
    <form onSubmit={onSubmit} noValidate data-testid={testIds.appConfig.form}>
      {!meta.enabled && (
        <Alert severity="info" title="The app is not enabled">
          Enable it (button above) so its pages appear in the menu; the settings below can be saved either way.
        </Alert>
      )}
      <TargetsSection
        values={st.values}
        shown={st.shown}
        set={st.set}
        secrets={st.secrets}
        setSecret={st.setSecret}
        tls={st.tls}
        setTls={st.setTls}
        saveErrorField={st.saveError?.field}
        saveErrorMessage={st.saveError?.message}
      />
      <ProfilesSection
        profiles={st.profiles}
        errors={st.profileErrs}
        touched={st.touched}
        onChange={st.setProfile}
        onAdd={st.addProfile}
      />
      <EngineSection values={st.values} shown={st.shown} set={st.set} secrets={st.secrets} setSecret={st.setSecret} />

      {st.saveError && (
        <Alert severity="error" title={st.saveError.title} data-testid={testIds.appConfig.error}>
          {st.saveError.message}
        </Alert>
      )}
      {st.saved && !st.saveError && (
        <Alert severity="success" title="Settings saved" data-testid={testIds.appConfig.saved}>
          Running simulations continue; new runs use the new settings.
        </Alert>
      )}
      {st.health && (
        <Alert
          severity={st.health.status === 'OK' ? 'success' : 'error'}
          title={st.health.status === 'OK' ? 'Engine check passed' : 'Engine check failed'}
          data-testid={testIds.appConfig.health}
        >
          {st.health.message}
        </Alert>
      )}
      <div className={styles.actions}>
        <Stack direction="row" gap={1}>
          <Button type="submit" disabled={st.saving || (st.touched && st.invalid)} data-testid={testIds.appConfig.save}>
            {st.saving ? 'Saving…' : 'Save & test'}
          </Button>
          <Button
            type="button"
            variant="secondary"
            disabled={st.saving || (st.touched && st.invalid)}
            onClick={() => st.save(false)}
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
