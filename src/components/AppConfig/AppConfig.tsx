import React, { FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, TextArea, useStyles2 } from '@grafana/ui';

import { checkHealth, getPluginSettings, HealthResult, savePluginSettings, validateProfile } from '../../api/client';
import { ApiError } from '../../api/errors';
import { ApiProfile, AppSettings, SecureSettingKey } from '../../api/types';
import { testIds } from '../testIds';
import {
  jsonDataFromValues,
  profileErrors,
  SECURE_KEYS,
  SecretState,
  secureJsonDataFromSecrets,
  SettingsErrors,
  SettingsField,
  SettingsFormValues,
  validateSettings,
  valuesFromSettings,
} from './settingsForm';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

function secretsFrom(fields: Partial<Record<SecureSettingKey, boolean>> | null | undefined) {
  const out = {} as Record<SecureSettingKey, SecretState>;
  for (const key of SECURE_KEYS) {
    out[key] = { configured: Boolean(fields?.[key]), reset: false, value: '' };
  }
  return out;
}

/**
 * AppConfig is the app's configuration page (Admins): the allowlist of targets, the run
 * limits, the engine's metrics and remote-write settings and the secrets, which are only
 * ever shown as configured.
 */
const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const meta = plugin.meta;
  const [jsonData, setJsonData] = useState<AppSettings | null | undefined>(meta.jsonData);
  const [values, setValues] = useState<SettingsFormValues>(() => valuesFromSettings(meta.jsonData));
  const [secrets, setSecrets] = useState(() =>
    secretsFrom(meta.secureJsonFields as Partial<Record<SecureSettingKey, boolean>>)
  );
  const [profiles, setProfiles] = useState<ApiProfile[]>(() => meta.jsonData?.apiProfiles ?? []);
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | undefined>();
  const [health, setHealth] = useState<HealthResult | undefined>();

  const errors: SettingsErrors = validateSettings(values);
  const profileErrs = profileErrors(profiles);
  const invalid = Object.keys(errors).length > 0 || profileErrs.some((e) => e !== '');
  const shown = (f: SettingsField) => (touched ? errors[f] : undefined);

  const set = (f: SettingsField, v: string) => {
    setValues((cur) => ({ ...cur, [f]: v }));
    setTouched(true);
    setSaved(false);
  };
  const setProfile = (i: number, p: Partial<ApiProfile> | null) => {
    setProfiles((cur) =>
      p === null ? cur.filter((_, j) => j !== i) : cur.map((q, j) => (j === i ? { ...q, ...p } : q))
    );
    setTouched(true);
    setSaved(false);
  };
  const setSecret = (key: SecureSettingKey, s: Partial<SecretState>) => {
    setSecrets((cur) => ({ ...cur, [key]: { ...cur[key], ...s } }));
    setSaved(false);
  };

  const save = async (test: boolean) => {
    setTouched(true);
    if (invalid || saving) {
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    setHealth(undefined);
    try {
      // The engine parses every profile first: a mistake is named with its line, and nothing is saved.
      for (const p of profiles) {
        await validateProfile(p.name.trim(), p.yaml);
      }
      const nextJsonData: AppSettings = jsonDataFromValues(values, jsonData);
      // Like other emptied settings, no profiles leaves the key out.
      if (profiles.length > 0) {
        nextJsonData.apiProfiles = profiles.map((p) => ({ name: p.name.trim(), yaml: p.yaml }));
      } else {
        delete nextJsonData.apiProfiles;
      }
      await savePluginSettings({
        enabled: meta.enabled ?? false,
        pinned: meta.pinned ?? false,
        jsonData: nextJsonData,
        secureJsonData: secureJsonDataFromSecrets(secrets),
      });
      // Read back what Grafana stored: secrets come back only as configured flags.
      const stored = await getPluginSettings();
      setJsonData(stored.jsonData ?? nextJsonData);
      setValues(valuesFromSettings(stored.jsonData ?? nextJsonData));
      setProfiles((stored.jsonData ?? nextJsonData).apiProfiles ?? []);
      setSecrets(secretsFrom(stored.secureJsonFields));
      setSaved(true);
      if (test) {
        setHealth(await checkHealth());
      }
    } catch (err) {
      setSaveError(err as ApiError);
    } finally {
      setSaving(false);
    }
  };

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
      <FieldSet label="Targets and limits">
        <Field
          label="Allowed targets"
          description="URL prefixes that runs may target, one per line (scheme, host, port and an optional leading path, e.g. http://127.0.0.1:9501/api). The embedded reference target is always allowed; everything else is refused."
          invalid={Boolean(shown('allowedTargets'))}
          error={shown('allowedTargets')}
        >
          <TextArea
            id="config-allowed-targets"
            data-testid={testIds.appConfig.allowedTargets}
            rows={4}
            placeholder={'http://127.0.0.1:9501\nhttps://staging.example.com/api'}
            value={values.allowedTargets}
            onChange={(e) => set('allowedTargets', e.currentTarget.value)}
          />
        </Field>
        <Stack direction="row" gap={2} wrap="wrap">
          <Field
            label="Max users per run"
            description="Empty: 1000."
            invalid={Boolean(shown('maxUsers'))}
            error={shown('maxUsers')}
          >
            <Input
              id="config-max-users"
              data-testid={testIds.appConfig.maxUsers}
              width={20}
              placeholder="1000"
              value={values.maxUsers}
              onChange={(e) => set('maxUsers', e.currentTarget.value)}
            />
          </Field>
          <Field
            label="Max concurrent runs"
            description="Across the whole Grafana server. Empty: 2."
            invalid={Boolean(shown('maxConcurrentRuns'))}
            error={shown('maxConcurrentRuns')}
          >
            <Input
              id="config-max-concurrent-runs"
              data-testid={testIds.appConfig.maxConcurrentRuns}
              width={20}
              placeholder="2"
              value={values.maxConcurrentRuns}
              onChange={(e) => set('maxConcurrentRuns', e.currentTarget.value)}
            />
          </Field>
        </Stack>
        <Field
          label="Target admin password"
          description="Password of the target's admin user, used by the admin archetype. Stored encrypted; never shown again."
        >
          <SecretInput
            id="config-target-admin-password"
            data-testid={testIds.appConfig.targetAdminPassword}
            width={40}
            isConfigured={secrets.targetAdminPassword.configured}
            value={secrets.targetAdminPassword.value}
            placeholder="admin password of the target"
            onChange={(e) => setSecret('targetAdminPassword', { value: e.currentTarget.value })}
            onReset={() => setSecret('targetAdminPassword', { configured: false, reset: true, value: '' })}
          />
        </Field>
      </FieldSet>

      <FieldSet label="API profiles">
        <p className={styles.help}>
          Named API profiles (docs/api-profile.md) for targets shaped unlike the reference API: the run form offers them
          for an allowed target, and Check target tries one before any load. The engine parses each profile when you
          save.
        </p>
        {profiles.map((p, i) => (
          <div key={i} className={styles.profile}>
            <Stack direction="row" gap={2} alignItems="flex-start">
              <Field
                label="Name"
                invalid={touched && profileErrs[i].startsWith('name')}
                error={touched ? profileErrs[i] : ''}
              >
                <Input
                  data-testid={testIds.appConfig.profileName(i)}
                  width={30}
                  placeholder="othersvc"
                  value={p.name}
                  onChange={(e) => setProfile(i, { name: e.currentTarget.value })}
                />
              </Field>
              <Button
                type="button"
                variant="destructive"
                fill="outline"
                icon="trash-alt"
                className={styles.remove}
                onClick={() => setProfile(i, null)}
                data-testid={testIds.appConfig.profileRemove(i)}
              >
                Remove
              </Button>
            </Stack>
            <Field label="Profile (YAML)" invalid={touched && profileErrs[i].startsWith('yaml')}>
              <TextArea
                data-testid={testIds.appConfig.profileYaml(i)}
                rows={8}
                className={styles.yaml}
                placeholder={
                  'base_path: /rest\nroutes:\n  auth.login: POST /session\ntoken:\n  access: data.accessToken'
                }
                value={p.yaml}
                onChange={(e) => setProfile(i, { yaml: e.currentTarget.value })}
              />
            </Field>
          </div>
        ))}
        <Button
          type="button"
          variant="secondary"
          icon="plus"
          onClick={() => {
            setProfiles((cur) => [...cur, { name: '', yaml: '' }]);
            setSaved(false);
          }}
          data-testid={testIds.appConfig.profileAdd}
        >
          Add API profile
        </Button>
      </FieldSet>

      <FieldSet label="Engine metrics">
        <Field
          label="Metrics address"
          description="host:port where the engine serves /metrics for Prometheus to scrape, e.g. 0.0.0.0:9464. Empty: no /metrics."
          invalid={Boolean(shown('metricsAddr'))}
          error={shown('metricsAddr')}
        >
          <Input
            id="config-metrics-addr"
            data-testid={testIds.appConfig.metricsAddr}
            width={40}
            placeholder="0.0.0.0:9464"
            value={values.metricsAddr}
            onChange={(e) => set('metricsAddr', e.currentTarget.value)}
          />
        </Field>
        <Field
          label="Remote-write URL"
          description="Prometheus remote-write endpoint for the engine's metrics. Empty: no remote write."
          invalid={Boolean(shown('remoteWriteUrl'))}
          error={shown('remoteWriteUrl')}
        >
          <Input
            id="config-remote-write-url"
            data-testid={testIds.appConfig.remoteWriteUrl}
            width={60}
            placeholder="http://prometheus:9090/api/v1/write"
            value={values.remoteWriteUrl}
            onChange={(e) => set('remoteWriteUrl', e.currentTarget.value)}
          />
        </Field>
        <Field label="Remote-write password" description="Stored encrypted; never shown again.">
          <SecretInput
            id="config-remote-write-password"
            data-testid={testIds.appConfig.remoteWritePassword}
            width={40}
            isConfigured={secrets.remoteWritePassword.configured}
            value={secrets.remoteWritePassword.value}
            placeholder="remote-write password"
            onChange={(e) => setSecret('remoteWritePassword', { value: e.currentTarget.value })}
            onReset={() => setSecret('remoteWritePassword', { configured: false, reset: true, value: '' })}
          />
        </Field>
      </FieldSet>

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
