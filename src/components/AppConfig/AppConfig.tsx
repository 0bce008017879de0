import React, { FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { Alert, Button, Stack, useStyles2 } from '@grafana/ui';

import {
  checkHealth,
  getPluginSettings,
  HealthResult,
  savePluginSettings,
  validateProfile,
  validateTls,
} from '../../api/client';
import { ApiError } from '../../api/errors';
import { ApiProfile, AppSettings, SecretKey, TargetTls, TLS_SECRETS, tlsSecretKey } from '../../api/types';
import { testIds } from '../testIds';
import { EngineSection } from './EngineSection';
import { ProfilesSection } from './ProfilesSection';
import {
  jsonDataFromValues,
  profileErrors,
  SecretState,
  secretsFrom,
  secureJsonDataFromSecrets,
  SettingsErrors,
  SettingsField,
  SettingsFormValues,
  targetList,
  validateSettings,
  valuesFromSettings,
} from './settingsForm';
import { TargetsSection } from './TargetsSection';
import { newTlsId, pemError, Secrets, tlsSecretChanges, tlsToSave } from './tlsForm';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

/**
 * AppConfig is the app's configuration page (Admins): the allowlist of targets with the
 * TLS of each https one, the run limits, the API profiles, the engine's metrics and
 * remote-write settings. Secrets are only ever shown as configured.
 */
const AppConfig = ({ plugin }: AppConfigProps) => {
  const styles = useStyles2(getStyles);
  const meta = plugin.meta;
  const [jsonData, setJsonData] = useState<AppSettings | null | undefined>(meta.jsonData);
  const [values, setValues] = useState<SettingsFormValues>(() => valuesFromSettings(meta.jsonData));
  const [secrets, setSecrets] = useState<Secrets>(() =>
    secretsFrom(meta.secureJsonFields as Partial<Record<SecretKey, boolean>>)
  );
  const [profiles, setProfiles] = useState<ApiProfile[]>(() => meta.jsonData?.apiProfiles ?? []);
  const [tls, setTlsEntries] = useState<TargetTls[]>(() => meta.jsonData?.targetTls ?? []);
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | undefined>();
  const [health, setHealth] = useState<HealthResult | undefined>();

  const errors: SettingsErrors = validateSettings(values);
  const profileErrs = profileErrors(profiles);
  const pemInvalid = tls.some((e) =>
    TLS_SECRETS.some((w) => pemError(secrets[tlsSecretKey(e.id, w)]?.value ?? '', w) !== undefined)
  );
  const invalid = Object.keys(errors).length > 0 || profileErrs.some((e) => e !== '') || pemInvalid;
  const shown = (f: SettingsField) => (touched ? errors[f] : undefined);

  const changed = () => {
    setTouched(true);
    setSaved(false);
  };
  const set = (f: SettingsField, v: string) => {
    setValues((cur) => ({ ...cur, [f]: v }));
    changed();
  };
  const setProfile = (i: number, p: Partial<ApiProfile> | null) => {
    setProfiles((cur) =>
      p === null ? cur.filter((_, j) => j !== i) : cur.map((q, j) => (j === i ? { ...q, ...p } : q))
    );
    changed();
  };
  const setSecret = (key: string, s: Partial<SecretState>) => {
    setSecrets((cur) => ({ ...cur, [key]: { ...(cur[key] ?? { configured: false, reset: false, value: '' }), ...s } }));
    setSaved(false);
  };
  // setTls changes a target's TLS entry, making it (with a new id) on first use.
  const setTls = (target: string, patch: Partial<TargetTls>): string => {
    const id = tls.find((e) => e.target === target)?.id ?? newTlsId(tls.map((e) => e.id));
    setTlsEntries((cur) =>
      cur.some((e) => e.id === id)
        ? cur.map((e) => (e.id === id ? { ...e, ...patch } : e))
        : [...cur, { id, target, ...patch }]
    );
    changed();
    return id;
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
      const targets = targetList(values.allowedTargets);
      const keptTls = tlsToSave(tls, targets, secrets);
      const tlsChanges = tlsSecretChanges(tls, keptTls, secrets);
      // The backend checks the PEMs (parse, key against certificate) with the stored ones.
      if (keptTls.length > 0) {
        await validateTls(targets, keptTls, tlsChanges);
      }
      const nextJsonData: AppSettings = jsonDataFromValues(values, jsonData);
      // Like other emptied settings, no profiles (no TLS entries) leaves the key out.
      if (profiles.length > 0) {
        nextJsonData.apiProfiles = profiles.map((p) => ({ name: p.name.trim(), yaml: p.yaml }));
      } else {
        delete nextJsonData.apiProfiles;
      }
      if (keptTls.length > 0) {
        nextJsonData.targetTls = keptTls;
      } else {
        delete nextJsonData.targetTls;
      }
      await savePluginSettings({
        enabled: meta.enabled ?? false,
        pinned: meta.pinned ?? false,
        jsonData: nextJsonData,
        secureJsonData: secureJsonDataFromSecrets(secrets, tlsChanges),
      });
      // Read back what Grafana stored: secrets come back only as configured flags.
      const stored = await getPluginSettings();
      const storedJson = stored.jsonData ?? nextJsonData;
      setJsonData(storedJson);
      setValues(valuesFromSettings(storedJson));
      setProfiles(storedJson.apiProfiles ?? []);
      setTlsEntries(storedJson.targetTls ?? []);
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
        onAdd={() => {
          setProfiles((cur) => [...cur, { name: '', yaml: '' }]);
          setSaved(false);
        }}
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
