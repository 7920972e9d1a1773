// The data directory's size over a run, for runs longer than the server's retention: the series
// shows whether the store grows without end or levels off once retention frees what it writes over.

import { diskBytes } from "./disk-usage";

export interface DiskSample {
  /** Seconds since the sampler started. */
  at_s: number;
  /** Bytes the directory's files occupy on disk (diskBytes). */
  bytes: number;
}

/** Samples `dir` every `everyMs` (and once at start and at stop); at most `samplesMax` are kept. */
export class DiskSampler {
  private readonly samples: DiskSample[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private started = 0;

  constructor(
    private readonly dir: string,
    private readonly everyMs = 10_000,
    private readonly samplesMax = 1_000,
  ) {}

  start(): this {
    this.started = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    // A run that fails before stop() must still exit.
    this.timer.unref();
    return this;
  }

  /** Stops sampling and answers the series, the last sample taken now. */
  stop(): DiskSample[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.samples;
  }

  private sample(): void {
    if (this.samples.length >= this.samplesMax) this.samples.splice(1, 1); // keep the first
    let bytes: number;
    try {
      bytes = diskBytes(this.dir);
    } catch {
      return; // the directory is not there (yet, or any more)
    }
    this.samples.push({ at_s: Math.round((performance.now() - this.started) / 100) / 10, bytes });
  }
}
