import { lastValueFrom } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';

import { PLUGIN_ID, RESOURCES_URL, SETTINGS_URL } from '../constants';
import { toApiError } from './errors';
import {
  AppSettings,
  CheckResult,
  Limits,
  RunConfig,
  RunField,
  RunStatus,
  Scenario,
  SecretKey,
  TargetTls,
} from './types';

// Every call goes through getBackendSrv() at call time (never captured at import), so a
// host page can point the components at any backend with setBackendSrv.

async function call<T>(doing: string, method: 'GET' | 'POST', url: string, data?: unknown): Promise<T> {
  try {
    const res = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url,
        method,
        data,
        // The components show errors themselves, next to what failed.
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return res.data;
  } catch (err) {
    throw toApiError(err, doing);
  }
}

export function getLimits(): Promise<Limits> {
  return call<Limits>('Loading the limits', 'GET', `${RESOURCES_URL}/limits`);
}

export async function getScenarios(): Promise<Scenario[]> {
  const res = await call<{ scenarios: Scenario[] | null }>(
    'Loading the scenarios',
    'GET',
    `${RESOURCES_URL}/scenarios`
  );
  return res.scenarios ?? [];
}

export async function listRuns(): Promise<RunStatus[]> {
  const res = await call<{ runs: RunStatus[] | null }>('Loading the runs', 'GET', `${RESOURCES_URL}/runs`);
  return res.runs ?? [];
}

export function getRun(id: string): Promise<RunStatus> {
  return call<RunStatus>('Loading the run', 'GET', `${RESOURCES_URL}/runs/${encodeURIComponent(id)}`);
}

export function startRun(config: RunConfig): Promise<RunStatus> {
  return call<RunStatus>('Starting the run', 'POST', `${RESOURCES_URL}/runs`, config);
}

/**
 * validateRun has the backend check a run config as POST /runs would, starting nothing:
 * the API's rules, the org's limits and allowlist, and the engine's own parsers and rules.
 */
export function validateRun(config: RunConfig): Promise<{ ok: boolean; errors: Partial<Record<RunField, string>> }> {
  return call('Checking the run settings', 'POST', `${RESOURCES_URL}/validate`, config);
}

/** stopRun stops a run; graceful lets in-flight requests finish and cleans up simulation data. */
export function stopRun(id: string, graceful = true): Promise<RunStatus> {
  return call<RunStatus>('Stopping the run', 'POST', `${RESOURCES_URL}/runs/${encodeURIComponent(id)}/stop`, {
    graceful,
  });
}

/**
 * cleanupRun removes what an ended run left on its target, through the engine, with the
 * app's current targetAdminPassword (Editors and Admins).
 */
export function cleanupRun(id: string): Promise<RunStatus> {
  return call<RunStatus>('Cleaning up the run', 'POST', `${RESOURCES_URL}/runs/${encodeURIComponent(id)}/cleanup`, {});
}

/**
 * checkTarget runs the engine's check (`trafficsim check`) of an allowlisted target under one
 * of the app's API profiles (empty: the reference API); Editors and Admins.
 */
export function checkTarget(baseUrl: string, apiProfile: string): Promise<CheckResult> {
  return call<CheckResult>('Checking the target', 'POST', `${RESOURCES_URL}/check`, { baseUrl, apiProfile });
}

/** validateProfile has the engine parse an API profile before an Admin saves it. */
export function validateProfile(name: string, yaml: string): Promise<unknown> {
  return call<unknown>(`Checking the API profile "${name}"`, 'POST', `${RESOURCES_URL}/profiles/validate`, {
    name,
    yaml,
  });
}

/**
 * validateTls has the backend check TLS settings before an Admin saves them: the PEMs in
 * secrets are the typed ones ("" clears); one left out is the stored one.
 */
export function validateTls(
  allowedTargets: string[],
  targetTls: TargetTls[],
  secrets: Record<string, string>
): Promise<unknown> {
  return call<unknown>('Checking the TLS settings', 'POST', `${RESOURCES_URL}/tls/validate`, {
    allowedTargets,
    targetTls,
    secrets,
  });
}

/** The app's settings as Grafana's HTTP API reports them: secrets only as configured flags. */
export interface PluginSettings {
  enabled: boolean;
  pinned: boolean;
  jsonData: AppSettings | null;
  secureJsonFields: Partial<Record<SecretKey, boolean>> | null;
}

export function getPluginSettings(): Promise<PluginSettings> {
  return call<PluginSettings>('Loading the app settings', 'GET', SETTINGS_URL);
}

export interface PluginSettingsUpdate {
  enabled: boolean;
  pinned: boolean;
  jsonData: AppSettings;
  /** Only the secrets being set or reset; absent keys keep their stored value. */
  secureJsonData?: Partial<Record<SecretKey, string>>;
}

export function savePluginSettings(update: PluginSettingsUpdate): Promise<unknown> {
  return call<unknown>('Saving the app settings', 'POST', SETTINGS_URL, update);
}

export interface HealthResult {
  status: string;
  message: string;
}

/** checkHealth runs the backend's CheckHealth: it starts or pings the engine. */
export async function checkHealth(): Promise<HealthResult> {
  try {
    return await call<HealthResult>('Checking the engine', 'GET', `/api/plugins/${PLUGIN_ID}/health`);
  } catch (err) {
    // Grafana answers a failed health check with HTTP 503 and the same body.
    const e = toApiError(err, 'Checking the engine');
    return { status: 'ERROR', message: e.message };
  }
}
