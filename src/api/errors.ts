import { isFetchError } from '@grafana/runtime';

import { RUN_FIELDS, RunField } from './types';

/** A failed call to the backend, reduced to what the user needs to read. */
export class ApiError extends Error {
  /** HTTP status; 0 when no answer arrived. */
  readonly status: number;
  /** The run field the backend blamed (400/403 on one field), if any. */
  readonly field?: string;

  constructor(status: number, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.field = field || undefined;
  }

  /** The field as a run-form field, when it is one. */
  get runField(): RunField | undefined {
    return RUN_FIELDS.find((f) => f === this.field);
  }

  /** A short heading for the message, by status. */
  get title(): string {
    switch (this.status) {
      case 0:
        return 'The plugin backend could not be reached';
      case 400:
        return this.field ? `Invalid setting: ${this.field}` : 'Invalid request';
      case 401:
        return 'Not signed in';
      case 403:
        return 'Not allowed';
      case 404:
        return 'Not found';
      case 409:
        return 'Too many runs';
      case 503:
        return 'Engine unavailable';
      default:
        return `Request failed (HTTP ${this.status})`;
    }
  }
}

/** The backend's error body: {"error": "<field>: <what is wrong>", "field": "<field>"}. */
interface ErrorBody {
  error?: unknown;
  message?: unknown;
  field?: unknown;
}

/** toApiError turns whatever a failed fetch threw into an ApiError with a readable message. */
export function toApiError(err: unknown, doing: string): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  if (isFetchError(err)) {
    const body = (err.data ?? {}) as ErrorBody | string;
    let message = '';
    let field: string | undefined;
    if (typeof body === 'string') {
      message = body.trim();
    } else {
      // Resources answer {error}; Grafana's own API answers {message}.
      message = firstString(body.error, body.message) ?? '';
      field = typeof body.field === 'string' ? body.field : undefined;
    }
    if (!message) {
      message = err.statusText ? `${doing}: ${err.statusText}` : `${doing} failed`;
    }
    return new ApiError(err.status ?? 0, message, field);
  }
  if (err instanceof Error) {
    return new ApiError(0, `${doing}: ${err.message}`);
  }
  return new ApiError(0, `${doing} failed`);
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) {
    if (typeof v === 'string' && v.trim() !== '') {
      return v.trim();
    }
  }
  return undefined;
}
