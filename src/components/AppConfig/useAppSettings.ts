import { useState } from 'react';
import { AppPluginMeta } from '@grafana/data';

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
import { newTlsId, pemError, Secrets, tlsSecretChanges, tlsToSave } from './tlsForm';

/**
 * useAppSettings is the configuration page's state: the settings as typed, the secrets,
 * profiles and TLS entries, their checks, and saving them (profiles and TLS checked by the
 * backend first, then saved, then read back as Grafana stored them).
 */
export function useAppSettings(meta: AppPluginMeta<AppSettings>) {
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
  // The allowlist's entries are checked by the backend's own parser when saving
  // (POST /tls/validate names the entry, allowedTargets[i]); its answer is shown at the field.
  const blamed = (f: SettingsField) =>
    saveError?.field === f || saveError?.field?.startsWith(`${f}[`) ? saveError.message : undefined;
  const shown = (f: SettingsField) => (touched ? (errors[f] ?? blamed(f)) : undefined);

  const changed = () => {
    setTouched(true);
    setSaved(false);
  };
  const set = (f: SettingsField, v: string) => {
    setValues((cur) => ({ ...cur, [f]: v }));
    if (blamed(f)) {
      setSaveError(undefined);
    }
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
      // The backend checks the allowlist's entries with the rules it enforces, and the
      // PEMs (parse, key against certificate) with the stored ones.
      if (targets.length > 0) {
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

  const addProfile = () => {
    setProfiles((cur) => [...cur, { name: '', yaml: '' }]);
    setSaved(false);
  };

  return {
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
  };
}
