// Number and time formats of the run views: fixed English formats so that what the
// tests read is what users read.
import { RunConfig, RunStats } from './api/types';

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatRate(n: number): string {
  return n.toFixed(1);
}

/** successRate is 0–1. */
export function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

export function formatMs(ms: number): string {
  if (ms >= 1000) {
    return `${(ms / 1000).toFixed(2)} s`;
  }
  return `${ms.toFixed(1)} ms`;
}

/** formatDuration shows seconds as "45s", "2m 05s" or "1h 02m"; negative means unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    return '–';
  }
  const s = Math.round(seconds);
  if (s < 60) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  }
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** formatClock shows an RFC 3339 time as HH:MM:SS.mmm in the browser's time zone. */
export function formatClock(iso: string | null): string {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return iso;
  }
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatDateTime(iso: string | null): string {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return iso;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * formatLoadModel says in a few words how a run drives its target, as the CLI's start
 * line does: "open model 300/s (pool 200 VUs)", "VU stages 30s:100,1m:500", "100 users
 * ramped up over 30s", "100 users", then " · max 50 req/s" when requests are capped.
 */
export function formatLoadModel(
  c: Pick<RunConfig, 'users'> &
    Partial<Pick<RunConfig, 'rampUpSeconds' | 'stages' | 'rate' | 'rateStages' | 'maxVus' | 'maxRps'>>
): string {
  // Older backends omit the load-model fields: the run then had fixed users.
  const { rampUpSeconds = 0, stages = '', rate = '', rateStages = '', maxVus = 0, maxRps = 0 } = c;
  let text = `${c.users} users`;
  if (rate || rateStages) {
    const shape = rateStages ? `rate stages ${rateStages}${rate ? ` from ${rate}` : ''}` : rate;
    text = `open model ${shape} (pool ${maxVus || c.users} VUs)`;
  } else if (stages) {
    text = `VU stages ${stages}`;
  } else if (rampUpSeconds > 0) {
    text = `${c.users} users ramped up over ${formatDuration(rampUpSeconds)}`;
  }
  return maxRps > 0 ? `${text} · max ${maxRps} req/s` : text;
}

/** What each degradation level sheds (docs/resilience.md). */
const DEGRADATION: Record<string, string> = {
  light: 'no admin actions, no deliberate mistakes',
  heavy: 'only logins and reads',
  emergency: 'only logins and reads, no new sessions',
};

/**
 * formatResilience explains, while a run is active, why some of its requests stopped:
 * "circuit open: profile · half-open: auth · degraded: heavy (only logins and reads)";
 * "" when every breaker is closed and the level is normal.
 */
export function formatResilience(s: Partial<Pick<RunStats, 'breakers' | 'degradation'>>): string {
  const groups = (state: string) => (s.breakers ?? []).filter((b) => b.state === state).map((b) => b.group);
  const open = groups('open');
  const halfOpen = groups('half_open');
  const parts: string[] = [];
  if (open.length > 0) {
    parts.push(`circuit open: ${open.join(', ')}`);
  }
  if (halfOpen.length > 0) {
    parts.push(`half-open: ${halfOpen.join(', ')}`);
  }
  if (s.degradation) {
    const what = DEGRADATION[s.degradation];
    parts.push(`degraded: ${s.degradation}${what ? ` (${what})` : ''}`);
  }
  return parts.join(' · ');
}
