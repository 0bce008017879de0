// JSON shapes of the plugin backend's resources (pkg/plugin/resources.go, docs/plugin.md).

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
}

export type RunField = keyof RunConfig;

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
];

export type RunState = 'starting' | 'running' | 'stopping' | 'finished' | 'failed';

export interface RunStats {
  activeUsers: number;
  totalUsers: number;
  requests: number;
  /** 0–1. */
  successRate: number;
  errors: number;
  rps: number;
  avgLatencyMs: number;
  p95LatencyMs: number;
  maxLatencyMs: number;
  elapsedSeconds: number;
  /** -1: unknown (no duration). */
  remainingSeconds: number;
}

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
  enginePath?: string;
}

/** secureJsonData keys: written, never read back. */
export type SecureSettingKey = 'targetAdminPassword' | 'remoteWritePassword';

export const ACTIVE_STATES: RunState[] = ['starting', 'running', 'stopping'];

export function isActive(run: Pick<RunStatus, 'state'>): boolean {
  return ACTIVE_STATES.includes(run.state);
}
