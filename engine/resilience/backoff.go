package resilience

import "time"

// Backoff is the wait after the n-th failure in a row (n ≥ 1): exponential
// with full jitter, u (uniform in [0, 1)) times min(max, base·2^(n-1)). Full
// jitter spreads VUs that failed together, so they do not retry in lockstep.
func Backoff(n int, base, max time.Duration, u float64) time.Duration {
	return time.Duration(u * float64(BackoffCeiling(n, base, max)))
}

// BackoffCeiling is the upper bound of Backoff(n, base, max).
func BackoffCeiling(n int, base, max time.Duration) time.Duration {
	if n < 1 {
		return 0
	}
	c := base
	for i := 1; i < n && c < max; i++ {
		c *= 2
	}
	return min(c, max)
}

// RetryAfterWait is the wait a 429 or 503 answer asks for, capped; 0 when the
// answer carries no Retry-After.
func RetryAfterWait(status int, retryAfter, cap time.Duration) time.Duration {
	if status != 429 && status != 503 || retryAfter <= 0 {
		return 0
	}
	return min(retryAfter, cap)
}
