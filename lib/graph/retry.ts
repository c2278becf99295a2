/**
 * The one retry policy for Graph calls: which answers are worth another attempt, and how long to
 * wait before it. The client's retry middleware applies it to every call it retries itself, and
 * the uploader, which must pace its own retries through a shared rate window (lib/upload), asks
 * the same policy object of the same client, so a deploy and an upload wait alike for the same
 * answer.
 *
 * Graph asks clients to wait the seconds its `Retry-After` names before retrying a 429 and,
 * without one, to back off exponentially (https://learn.microsoft.com/en-us/graph/throttling).
 */

export interface RetryOptions {
  /** Retries after the first attempt. Default 6. */
  maxRetries?: number;
  /** First backoff delay; doubles each retry, with jitter. Default 1000 ms. */
  baseDelayMs?: number;
  /** Cap of one delay, including a server's Retry-After. Default 60 s. */
  maxDelayMs?: number;
}

export class RetryPolicy {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;

  constructor(
    options: RetryOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.maxRetries = options.maxRetries ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  /**
   * Whether an attempt that ended with `status` may succeed when tried again: throttling, a
   * server fault other than 501 (which no retry will implement), or no answer at all
   * (`undefined`: a dropped connection or a timeout).
   */
  isTransient(status: number | undefined): boolean {
    return status === undefined || status === 429 || (status >= 500 && status !== 501);
  }

  /**
   * The wait before the retry that follows attempt `attempt` (0 for the first): the server's
   * `Retry-After` when it sent a readable one, else the backoff; capped at `maxDelayMs` either way.
   */
  delay(attempt: number, retryAfter?: string | null, now = Date.now()): number {
    return Math.min(retryAfterMs(retryAfter, now) ?? this.backoff(attempt), this.maxDelayMs);
  }

  /** Exponential backoff from `baseDelayMs`, jittered in its upper half, capped. */
  backoff(attempt: number): number {
    return backoff(attempt, this, this.random);
  }
}

/** Exponential backoff with full jitter in its upper half, capped. */
export function backoff(
  attempt: number,
  policy: { baseDelayMs: number; maxDelayMs: number },
  random: () => number,
): number {
  const exponential = Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/**
 * Retry-After as delay-seconds or an HTTP date (RFC 9110 section 10.2.3); undefined when absent,
 * unreadable, negative or in the past, so that the caller backs off instead: `Retry-After: -5`
 * read as a date long past made the client retry at once, seven times in no time.
 */
export function retryAfterMs(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names its weekday and month (IMF-fixdate, RFC 850, asctime); Date.parse would
  // also take "-5" or "7" as a year.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) || date <= now ? undefined : date - now;
}
