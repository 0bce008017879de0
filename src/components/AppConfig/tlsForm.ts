import { TargetTls, TLS_SECRETS, tlsSecretKey, TlsSecret } from '../../api/types';
import { SecretState } from './settingsForm';

/** Secret states by secureJsonData key (fixed keys and tls.<id>.<what>). */
export type Secrets = Record<string, SecretState>;

export const NO_SECRET: SecretState = { configured: false, reset: false, value: '' };

/** httpsTargets are the allowlist's https targets: the ones TLS settings apply to. */
export function httpsTargets(targets: string[]): string[] {
  return targets.filter((t) => /^https:\/\//i.test(t));
}

/** newTlsId names a new TLS entry (its secrets' keys): 8 lowercase letters or digits, unused. */
export function newTlsId(taken: string[], random: () => number = Math.random): string {
  for (;;) {
    let id = '';
    while (id.length < 8) {
      id += Math.floor(random() * 36).toString(36);
    }
    if (!taken.includes(id)) {
      return id;
    }
  }
}

/** secretOf is the state of one of an entry's PEMs (nothing when the entry does not exist yet). */
export function secretOf(secrets: Secrets, entry: TargetTls | undefined, what: TlsSecret): SecretState {
  return entry ? (secrets[tlsSecretKey(entry.id, what)] ?? NO_SECRET) : NO_SECRET;
}

/** hasSettings: the entry sets something (a PEM stored or typed, skip-verify, a server name). */
export function hasSettings(e: TargetTls, secrets: Secrets): boolean {
  const pem = TLS_SECRETS.some((w) => {
    const s = secretOf(secrets, e, w);
    return s.configured || s.value.trim() !== '';
  });
  return pem || Boolean(e.insecureSkipVerify) || (e.serverName ?? '').trim() !== '';
}

/** tlsToSave are the entries to store: those of the allowlist's https targets that set something. */
export function tlsToSave(entries: TargetTls[], targets: string[], secrets: Secrets): TargetTls[] {
  const https = httpsTargets(targets);
  return entries
    .filter((e) => https.includes(e.target) && hasSettings(e, secrets))
    .map((e) => {
      const out: TargetTls = { id: e.id, target: e.target };
      if (e.insecureSkipVerify) {
        out.insecureSkipVerify = true;
      }
      if ((e.serverName ?? '').trim() !== '') {
        out.serverName = (e.serverName ?? '').trim();
      }
      return out;
    });
}

/**
 * tlsSecretChanges are the TLS secrets to send: of a saved entry, a typed PEM or "" for a
 * reset one; of an entry that is dropped (its target left the allowlist, or it sets
 * nothing any more), "" for each stored PEM, so nothing stays behind in Grafana.
 */
export function tlsSecretChanges(entries: TargetTls[], saved: TargetTls[], secrets: Secrets): Record<string, string> {
  const out: Record<string, string> = {};
  const kept = new Set(saved.map((e) => e.id));
  for (const e of entries) {
    for (const w of TLS_SECRETS) {
      const key = tlsSecretKey(e.id, w);
      const s = secrets[key] ?? NO_SECRET;
      if (!kept.has(e.id)) {
        if (s.configured || s.reset) {
          out[key] = '';
        }
      } else if (s.value.trim() !== '') {
        out[key] = s.value.trim();
      } else if (s.reset && !s.configured) {
        out[key] = '';
      }
    }
  }
  return out;
}

/** pemError is a first look at a typed PEM (the backend checks it for real when saving). */
export function pemError(value: string, what: TlsSecret): string | undefined {
  const v = value.trim();
  if (v === '') {
    return undefined;
  }
  const want = what === 'clientKey' ? 'PRIVATE KEY' : 'CERTIFICATE';
  if (!v.includes('-----BEGIN ') || !v.includes(want)) {
    return `paste PEM text, from -----BEGIN ${want}----- to -----END ${want}-----`;
  }
  return undefined;
}
