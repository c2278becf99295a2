/**
 * Paces bulkUpload calls: at most N starts in any W-second window (the API's 40 per 5 s), as many
 * in flight as that allows, and a shared pause when the service says `Retry-After` (throttling is
 * per tenant, so one 429 means every in-flight sibling should wait too).
 *
 * Time comes from an injected clock so tests run instantly under a fake one.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SchedulerOptions {
  requestsPerWindow: number;
  windowMs: number;
  /** Added to the window: the service counts arrivals, which jitter against our departures. */
  marginMs?: number;
  maxInFlight?: number;
  clock: Clock;
}

export class RateScheduler {
  private readonly starts: number[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly windowMs: number;
  private readonly maxInFlight: number;
  /** Start times of every slot granted, for reporting and tests. */
  readonly history: number[] = [];

  constructor(private readonly options: SchedulerOptions) {
    this.windowMs = options.windowMs + (options.marginMs ?? 0);
    this.maxInFlight = options.maxInFlight ?? options.requestsPerWindow;
  }

  /** Waits for a slot and takes it; call `release` when the request is answered. */
  async acquire(): Promise<void> {
    const { clock, requestsPerWindow } = this.options;
    for (;;) {
      const now = clock.now();
      while (this.starts.length > 0 && this.starts[0] <= now - this.windowMs) this.starts.shift();
      if (this.pausedUntil > now) {
        await clock.sleep(this.pausedUntil - now);
      } else if (this.starts.length >= requestsPerWindow) {
        await clock.sleep(this.starts[0] + this.windowMs - now);
      } else if (this.inFlight >= this.maxInFlight) {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
      } else {
        this.starts.push(now);
        this.history.push(now);
        this.inFlight++;
        return;
      }
    }
  }

  release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }

  /** Holds every new start until `until` (epoch ms). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }
}

/** Seconds or an HTTP date, as Graph sends `Retry-After`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random: () => number;
}

/** Capped exponential backoff with full jitter (attempt 1 is the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2);
}
