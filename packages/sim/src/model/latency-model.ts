import type { LatencyParameters } from "../scenario/schema.ts";

/** z of the 95th percentile of a standard normal distribution. */
const Z95 = 1.6448536269514722;

/**
 * How a pod's response time follows its load, and how response times spread.
 *
 * Up to the breaking point (utilization u = rps ÷ maxRps ≤ 1) the p95 follows the unit's
 * measurement: latencyMs × (idle + (1 − idle) × u^k), so it equals latencyMs at maxRps.
 * Past it, p95 rises steeply: latencyMs × (1 + slope × (u − 1)), until the pod's throughput
 * plateaus at saturation × maxRps; more requests queue (see `UnitQueue`). Response times of
 * one unit in one minute are log-normal with spread σ around that p95, which is what lets
 * the p95 of several units together, and the average, be computed.
 */
export class LatencyModel {
  readonly parameters: LatencyParameters;

  constructor(parameters: LatencyParameters) {
    this.parameters = parameters;
  }

  /** Requests per second one pod completes at most. */
  saturationRps(maxRps: number): number {
    return maxRps * this.parameters.saturation;
  }

  /** p95 of one pod at `rpsPerPod`, before any queueing delay. */
  p95Ms(latencyMs: number, maxRps: number, rpsPerPod: number): number {
    const { idleFraction, curveExponent, overloadSlope, saturation } = this.parameters;
    const u = Math.max(0, Math.min(rpsPerPod / maxRps, saturation));
    if (u <= 1) {
      return latencyMs * (idleFraction + (1 - idleFraction) * u ** curveExponent);
    }
    return latencyMs * (1 + overloadSlope * (u - 1));
  }

  /** The average of a log-normal whose p95 is `p95Ms`. */
  averageMs(p95Ms: number): number {
    const sigma = this.parameters.spread;
    return p95Ms * Math.exp(-Z95 * sigma + (sigma * sigma) / 2);
  }

  /** Fraction of requests slower than `thresholdMs` when the p95 is `p95Ms`. */
  fractionSlowerThan(p95Ms: number, thresholdMs: number): number {
    const sigma = this.parameters.spread;
    const median = p95Ms * Math.exp(-Z95 * sigma);
    return 1 - standardNormalCdf(Math.log(thresholdMs / median) / sigma);
  }

  /**
   * The p95 of requests spread over several groups, each log-normal with its own p95:
   * the x at which 95 % of all requests are faster, found by bisection.
   */
  mixtureP95(parts: readonly { readonly requests: number; readonly p95Ms: number }[]): number | null {
    const live = parts.filter((p) => p.requests > 0 && p.p95Ms > 0);
    const total = live.reduce((sum, p) => sum + p.requests, 0);
    if (total <= 0) {
      return null;
    }
    if (live.length === 1) {
      return (live[0] as (typeof live)[number]).p95Ms;
    }
    const slower = (x: number) =>
      live.reduce((sum, p) => sum + p.requests * this.fractionSlowerThan(p.p95Ms, x), 0) / total;
    let low = Math.min(...live.map((p) => p.p95Ms));
    let high = Math.max(...live.map((p) => p.p95Ms));
    for (let i = 0; i < 40; i += 1) {
      const mid = Math.sqrt(low * high);
      if (slower(mid) > 0.05) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return Math.sqrt(low * high);
  }
}

/** Φ(x) through erf (Abramowitz & Stegun 7.1.26, error below 1.5e-7). */
export function standardNormalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
