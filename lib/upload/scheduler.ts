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

const MAX_SLEEP_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  // setTimeout takes at most 2^31-1 ms (about 24.8 days); a longer wait fires at once, with a
  // TimeoutOverflowWarning. No wait of the uploader is meant to be that long.
  sleep: (ms) =>
    new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(0, ms), MAX_SLEEP_MS))),
};

export interface SchedulerOptions {
  requestsPerWindow: number;
  windowMs: number;
  /** Added to the window, for a service whose clock runs a little behind ours. */
  marginMs?: number;
  maxInFlight?: number;
  clock: Clock;
}

/**
 * A request holds its slot from the moment it starts until `windowMs` after its answer came
 * back. The service counts arrivals, and a request arrives somewhere between our start and the
 * answer, so counting from the answer can never put 41 arrivals in one window, however the
 * network jitters; counting from the start would need a guess at the latency.
 */
export class RateScheduler {
  /** When answered slots free up, ascending. */
  private readonly frees: number[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly windowMs: number;
  private readonly maxInFlight: number;
  /** Start times of every slot granted, for reporting and tests. */
  readonly history: number[] = [];

  constructor(private readonly options: SchedulerOptions) {
    this.windowMs = options.windowMs + (options.marginMs ?? 0);
    this.maxInFlight = Math.min(options.maxInFlight ?? Infinity, options.requestsPerWindow);
  }

  /** Waits for a slot and takes it; call `release` when the request is answered. */
  async acquire(): Promise<void> {
    const { clock, requestsPerWindow } = this.options;
    for (;;) {
      const now = clock.now();
      while (this.frees.length > 0 && this.frees[0] <= now) this.frees.shift();
      if (this.pausedUntil > now) {
        await clock.sleep(this.pausedUntil - now);
      } else if (this.inFlight >= this.maxInFlight) {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
      } else if (this.inFlight + this.frees.length >= requestsPerWindow) {
        await clock.sleep(this.frees[0] - now);
      } else {
        this.history.push(now);
        this.inFlight++;
        return;
      }
    }
  }

  /** The request that held a slot was answered (or failed): its slot frees one window later. */
  release(): void {
    this.inFlight--;
    this.frees.push(this.options.clock.now() + this.windowMs);
    this.waiting.shift()?.();
  }

  /**
   * Counts the calls of an earlier run (epoch ms of their starts) still inside the window. Their
   * answers are not known, so each frees one window after its start: a run resumed after a kill
   * sees the calls that were on the wire, not an empty window.
   */
  seed(starts: readonly number[]): void {
    const now = this.options.clock.now();
    for (const start of starts) {
      // A start in the future (a clock that ran ahead) counts as now.
      const free = Math.min(start, now) + this.windowMs;
      if (free > now) this.frees.push(free);
    }
    this.frees.sort((a, b) => a - b);
  }

  /** Holds every new start until `until` (epoch ms). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }
}
