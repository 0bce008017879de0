// JSON shapes of the plugin backend's resources (pkg/plugin/resources.go, docs/plugin.md).
import { RunStats } from './types.gen';

/** A run's settings, as POST /runs takes them and every run status reports them. */
export interface RunConfig {
  users: number;
  minRequestCount: number;
  maxRequestCount: number;
  /** 0: until every user has made its requests. */
  durationSeconds: number;
  /** Empty: the engine's embedded reference target. */
  baseUrl: string;
  delayMinMs: number;
  delayMaxMs: number;
  scenario: string;
  /** 0: the engine picks one and reports it in the run's config. */
  seed: number;
  // The load model (docs/load-models.md), spelled as `trafficsim run`'s flags spell it.
  // Older backends omit these fields: read them with ?? ''/0.
  /** Closed model: the users start spread evenly over it; 0: all at once. */
  rampUpSeconds: number;
  /** Closed model: VU targets with linear ramps, "30s:100,1m:500,30s:0"; the run ends with the last. */
  stages: string;
  /** Open model: arrivals per second or minute, "300/s", "90/m"; empty: the closed model. */
  rate: string;
  /** Open model: arrival-rate targets with linear ramps from rate (or 0), "30s:10/s,1m:100/s". */
  rateStages: string;
  /** Open model: the VU pool; 0: users. */
  maxVus: number;
  /** Cap on the run's requests per second, either model; 0: none. */
  maxRps: number;
  /** One of Limits.apiProfiles for baseUrl; empty or absent: the reference API. */
  apiProfile?: string;
  /** Reported, never sent: the target's certificate is not verified (the Admin's TLS settings). */
  insecureSkipVerify?: boolean;
}

/** The form's fields; the API profile is chosen apart from them. */
export type RunField = Exclude<keyof RunConfig, 'apiProfile' | 'insecureSkipVerify'>;

export const RUN_FIELDS: RunField[] = [
  'scenario',
  'users',
  'minRequestCount',
  'maxRequestCount',
  'durationSeconds',
  'delayMinMs',
  'delayMaxMs',
  'baseUrl',
  'seed',
  'rampUpSeconds',
  'stages',
  'rate',
  'rateStages',
  'maxVus',
  'maxRps',
];

/** leftovers: the run ended but its cleanup left simulation records on the target (see cleanup). */
export type RunState = 'starting' | 'running' | 'stopping' | 'finished' | 'failed' | 'leftovers';

/**
 * What the cleanup of a run's simulation data did (null until it ran), as the run
 * summary's cleanup section says it: created = deleted + gone + left.
 */
export interface CleanupResult {
  created: number;
  /** Deleted by the run: a read found them gone. */
  deleted: number;
  /** Vanished from the target without the run deleting them. */
  gone: number;
  /** Records still on the target; not verified: at least these. */
  left: number;
  /** Their names (at most 20). */
  leftNames: string[];
  /** `left` was measured on the target (records read by id, a search shown to find the run's records). */
  verified: boolean;
  /** Why not verified. */
  reason: string;
  /** Why records were left, or why the cleanup did not run. */
  error: string;
}

// A run's live figures are the engine contract's RunStats message, as the plugin
// writes it: its type is generated from engine/enginerpc/enginerpc.proto.
export type { Breaker, RunStats } from './types.gen';

export interface RequestEvent {
  time: string;
  vu: number;
  method: string;
  route: string;
  /** 0: no response arrived. */
  status: number;
  latencyMs: number;
}

export interface RunStatus {
  id: string;
  state: RunState;
  startedAt: string | null;
  endedAt: string | null;
  config: RunConfig;
  stats: RunStats;
  /** Up to 20 requests, newest last. */
  recent: RequestEvent[] | null;
  error: string;
  cleanup?: CleanupResult | null;
  /** What viewers of the run must see, e.g. that the target's certificate is not verified. */
  warnings?: string[] | null;
}

/** A weighted entry of a scenario's archetype or request-group mix. */
export interface WeightedName {
  name: string;
  weight: number;
}

export interface ScenarioArchetype extends WeightedName {
  /** The actions of the archetype's journey, in order. */
  journey?: string[];
}

/**
 * A built-in scenario. GET /scenarios always gives name and description; archetypes and
 * mix (engine/scenario's Archetypes and Mix) are shown when the backend reports them.
 */
export interface Scenario {
  name: string;
  description: string;
  /** Weight of each archetype (new_user, active_user, admin, power_user). */
  archetypes?: ScenarioArchetype[];
  /** Weight of each request group (auth, user_query, user_mutation, profile, role_permission, admin). */
  mix?: WeightedName[];
}

export interface Limits {
  allowedTargets: string[];
  /** Names of the org's API profiles (older backends omit it). */
  apiProfiles?: string[];
  maxUsers: number;
  maxConcurrentRuns: number;
  defaults: RunConfig;
}

/** jsonData of the app (docs/plugin.md, "Settings"). */
export interface AppSettings {
  allowedTargets?: string[] | string;
  maxUsers?: number | string;
  maxConcurrentRuns?: number | string;
  metricsAddr?: string;
  remoteWriteUrl?: string;
  apiProfiles?: ApiProfile[];
  /** TLS of allowlisted https targets; their PEMs are secrets (tlsSecretKey). */
  targetTls?: TargetTls[];
}

/** TLS settings of one allowlisted https target (docs/plugin.md, "TLS to a target"). */
export interface TargetTls {
  /** Names the entry's secrets: tls.<id>.caCert, … (1–16 lowercase letters or digits). */
  id: string;
  /** The allowlist entry it applies to. */
  target: string;
  insecureSkipVerify?: boolean;
  /** TLS server name; empty: the target's host. */
  serverName?: string;
}

/** The PEMs of a TLS entry, each a secret. */
export type TlsSecret = 'caCert' | 'clientCert' | 'clientKey';

export const TLS_SECRETS: TlsSecret[] = ['caCert', 'clientCert', 'clientKey'];

/** tlsSecretKey is the secureJsonData key of one of a TLS entry's PEMs. */
export function tlsSecretKey(id: string, what: TlsSecret): string {
  return `tls.${id}.${what}`;
}

/** A named API profile (docs/api-profile.md) stored in the app's settings. */
export interface ApiProfile {
  name: string;
  yaml: string;
}

/** One request of the engine's check of a target (POST /check). */
export interface CheckRow {
  capability: string;
  method: string;
  path: string;
  /** 0: no answer. */
  status: number;
  verdict: 'ok' | 'FAIL' | 'skipped' | string;
  fix: string;
  note: string;
}

export interface CheckResult {
  rows: CheckRow[] | null;
  /** Why a run under this profile must not start; empty: it may. */
  fatal: string;
  passed: boolean;
  /** E.g. that the target's certificate is not verified. */
  warnings?: string[] | null;
}

/** secureJsonData keys: written, never read back. */
export type SecureSettingKey = 'targetAdminPassword' | 'remoteWritePassword';

/** Any secureJsonData key: the fixed ones and the TLS entries' tls.<id>.<what>. */
export type SecretKey = SecureSettingKey | string;

export const ACTIVE_STATES: RunState[] = ['starting', 'running', 'stopping'];

export function isActive(run: Pick<RunStatus, 'state'>): boolean {
  return ACTIVE_STATES.includes(run.state);
}
