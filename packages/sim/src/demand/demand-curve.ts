import type { EpochMs } from "@switchyard/core";
import { DAY, MINUTE } from "@switchyard/core";
import type { DemandNoise, DemandShape } from "../scenario/types.ts";

/** The offered load of a scenario: requests per second at any moment of the run. */
export class DemandCurve {
  readonly #shape: DemandShape;
  readonly #noise: DemandNoise;
  readonly #start: EpochMs;
  readonly #end: EpochMs;

  constructor(shape: DemandShape, noise: DemandNoise, start: EpochMs, end: EpochMs) {
    this.#shape = shape;
    this.#noise = noise;
    this.#start = start;
    this.#end = end;
  }

  /** Requests per second at `at`; noise, when set, is fixed per minute so a minute has one level. */
  rpsAt(at: EpochMs): number {
    const base = shapeAt(this.#shape, this.#start, at);
    if (this.#noise.percent === 0) {
      return base;
    }
    const minute = Math.floor((at - this.#start) / MINUTE);
    const jitter = uniform(this.#noise.seed, minute) * 2 - 1;
    return Math.max(0, base * (1 + (this.#noise.percent / 100) * jitter));
  }

  /** The highest demand of any minute of the run. */
  peakRps(): number {
    let peak = 0;
    for (let at = this.#start; at < this.#end; at += MINUTE) {
      peak = Math.max(peak, this.rpsAt(at));
    }
    return peak;
  }

  /**
   * When each new load cycle starts, after the first: the troughs of a cosine (the seed's
   * "next wave"), otherwise every 24 hours from the start.
   */
  cycleStarts(): EpochMs[] {
    const starts: EpochMs[] = [];
    if (this.#shape.kind === "cosine") {
      const { peakAt, periodMs } = this.#shape;
      const firstTrough = peakAt + periodMs / 2;
      const k = Math.ceil((this.#start - firstTrough) / periodMs);
      for (let at = firstTrough + k * periodMs; at < this.#end; at += periodMs) {
        if (at > this.#start) {
          starts.push(at);
        }
      }
      return starts;
    }
    for (let at = this.#start + DAY; at < this.#end; at += DAY) {
      starts.push(at);
    }
    return starts;
  }
}

function shapeAt(shape: DemandShape, start: EpochMs, at: EpochMs): number {
  switch (shape.kind) {
    case "constant":
      return shape.rps;
    case "cosine": {
      const phase = (2 * Math.PI * (at - shape.peakAt)) / shape.periodMs;
      return shape.min + ((shape.max - shape.min) * (1 + Math.cos(phase))) / 2;
    }
    case "steps": {
      let rps = shape.steps[0]?.rps ?? 0;
      for (const step of shape.steps) {
        if (step.at <= at) {
          rps = step.rps;
        }
      }
      return rps;
    }
    case "series": {
      const minute = Math.max(0, Math.floor((at - start) / MINUTE));
      return shape.rpsByMinute[Math.min(minute, shape.rpsByMinute.length - 1)] ?? 0;
    }
  }
}

/** A deterministic uniform number in [0, 1) for (seed, index): a run replays exactly. */
function uniform(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
