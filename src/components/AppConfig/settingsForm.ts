import { ApiProfile, AppSettings, SecretKey, SecureSettingKey } from '../../api/types';

export interface SettingsFormValues {
  /** One target (http(s)://host[:port], no path) per line. */
  allowedTargets: string;
  maxUsers: string;
  maxConcurrentRuns: string;
  metricsAddr: string;
  remoteWriteUrl: string;
}

export type SettingsField = keyof SettingsFormValues;
export type SettingsErrors = Partial<Record<SettingsField, string>>;

export const SECURE_KEYS: SecureSettingKey[] = ['targetAdminPassword', 'remoteWritePassword'];

/** One secret's state: stored (configured), reset by the user, or being typed. */
export interface SecretState {
  /** Stored in Grafana and not reset: shown as "configured", never sent back. */
  configured: boolean;
  /** The user pressed Reset on a stored secret. */
  reset: boolean;
  /** What the user typed. */
  value: string;
}

/** targetList reads allowedTargets the ways the backend accepts it: a list, or one string split by commas or newlines. */
export function targetList(v: AppSettings['allowedTargets']): string[] {
  const raw = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\n,]/) : [];
  return raw.map((s) => String(s).trim()).filter((s) => s !== '');
}

export function valuesFromSettings(jd: AppSettings | null | undefined): SettingsFormValues {
  const d = jd ?? {};
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    allowedTargets: targetList(d.allowedTargets).join('\n'),
    maxUsers: str(d.maxUsers),
    maxConcurrentRuns: str(d.maxConcurrentRuns),
    metricsAddr: str(d.metricsAddr),
    remoteWriteUrl: str(d.remoteWriteUrl),
  };
}

function positive(raw: string, name: string, fallback: number): string | undefined {
  const s = raw.trim();
  if (s === '') {
    return undefined;
  }
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) {
    return `${name} must be a whole number ≥ 1; leave it empty for the default ${fallback}`;
  }
  return undefined;
}

/**
 * validateSettings checks the numbers and addresses as the backend's ParseSettings does,
 * with the same fixes; the allowlist's URLs are the backend's to judge (POST /tls/validate
 * when saving), so there is one grammar for them.
 */
export function validateSettings(v: SettingsFormValues): SettingsErrors {
  const errors: SettingsErrors = {};
  const maxUsers = positive(v.maxUsers, 'maxUsers', 1000);
  if (maxUsers) {
    errors.maxUsers = maxUsers;
  }
  const maxRuns = positive(v.maxConcurrentRuns, 'maxConcurrentRuns', 2);
  if (maxRuns) {
    errors.maxConcurrentRuns = maxRuns;
  }
  const addr = v.metricsAddr.trim();
  if (addr !== '' && !/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]*):\d{1,5}$/.test(addr)) {
    errors.metricsAddr = 'metricsAddr must be host:port, like 0.0.0.0:9464 or 127.0.0.1:9464; empty serves no /metrics';
  }
  const rw = v.remoteWriteUrl.trim();
  if (rw !== '') {
    try {
      const u = new URL(rw);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        errors.remoteWriteUrl = 'remoteWriteUrl must start with http:// or https://';
      }
    } catch {
      errors.remoteWriteUrl = 'remoteWriteUrl must be a URL like http://prometheus:9090/api/v1/write';
    }
  }
  return errors;
}

/** jsonDataFromValues builds the jsonData to save, keeping keys this form does not know. */
export function jsonDataFromValues(v: SettingsFormValues, previous: AppSettings | null | undefined): AppSettings {
  const out: AppSettings & Record<string, unknown> = { ...(previous ?? {}) };
  out.allowedTargets = targetList(v.allowedTargets);
  const setNumber = (key: 'maxUsers' | 'maxConcurrentRuns', raw: string) => {
    if (raw.trim() === '') {
      delete out[key];
    } else {
      out[key] = Number(raw.trim());
    }
  };
  setNumber('maxUsers', v.maxUsers);
  setNumber('maxConcurrentRuns', v.maxConcurrentRuns);
  const setString = (key: 'metricsAddr' | 'remoteWriteUrl', raw: string) => {
    if (raw.trim() === '') {
      delete out[key];
    } else {
      out[key] = raw.trim();
    }
  };
  setString('metricsAddr', v.metricsAddr);
  setString('remoteWriteUrl', v.remoteWriteUrl);
  // Settings never name an executable any more; saving drops an old enginePath
  // (the backend refuses it).
  delete out.enginePath;
  return out;
}

/**
 * secretsFrom is the state of every secret Grafana reports as configured (the fixed
 * keys always, the TLS entries' tls.<id>.<what> when stored).
 */
export function secretsFrom(
  fields: Partial<Record<SecretKey, boolean>> | null | undefined
): Record<string, SecretState> {
  const out: Record<string, SecretState> = {};
  const keys = new Set<string>([...SECURE_KEYS, ...Object.keys(fields ?? {})]);
  for (const key of keys) {
    out[key] = { configured: Boolean(fields?.[key]), reset: false, value: '' };
  }
  return out;
}

/**
 * secureJsonDataFromSecrets sends only what changed of the fixed secrets: a typed value
 * sets the secret, a reset one with nothing typed is cleared with "", and an untouched
 * configured one is left out so the stored value stays. extra (the TLS secrets' changes)
 * is sent beside them.
 */
export function secureJsonDataFromSecrets(
  secrets: Record<string, SecretState>,
  extra: Record<string, string> = {}
): Partial<Record<SecretKey, string>> | undefined {
  const out: Partial<Record<SecretKey, string>> = { ...extra };
  for (const key of SECURE_KEYS) {
    const s = secrets[key];
    if (s.value !== '') {
      out[key] = s.value;
    } else if (s.reset && !s.configured) {
      out[key] = '';
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

/**
 * profileErrors checks the API profiles' names and emptiness as the backend does (the
 * engine parses their YAML when they are saved); one message per profile, '' when fine.
 */
export function profileErrors(profiles: ApiProfile[]): string[] {
  return profiles.map((p, i) => {
    const name = p.name.trim();
    if (!PROFILE_NAME.test(name)) {
      return 'name: use 1 to 64 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit';
    }
    if (profiles.findIndex((q) => q.name.trim() === name) !== i) {
      return `name: "${name}" is used twice; give each profile its own name`;
    }
    if (p.yaml.trim() === '') {
      return 'yaml: paste the YAML of an API profile (trafficsim profile init writes one)';
    }
    return '';
  });
}
