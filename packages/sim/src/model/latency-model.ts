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
  /** The statistic each unit's latencyMs is measured at (the SLO's): its p95 at maxRps follows from it. */
  readonly measuredAt: string;

  /**
   * `measuredAt`: the statistic a unit's `latencyMs` is at maxRps — the service's SLO
   * statistic, since that is what `latencyMs` is compared with (planning, `validate`). A
   * p99 of 900 ms is a p95 of 900 × e^((1.645 − 2.326) σ) = 759 ms at σ 0.25: read as a
   * p95, every pod near its breaking point would break a p99 objective by 19 %.
   */
  constructor(parameters: LatencyParameters, measuredAt = "p95") {
    this.parameters = parameters;
    this.measuredAt = measuredAt;
  }

  /** The p95 at maxRps of a unit whose latencyMs (at `measuredAt`) is given. */
  p95AtBreakingPointMs(latencyMs: number): number {
    const sigma = this.parameters.spread;
    if (this.measuredAt.toLowerCase() === "p95") {
      return latencyMs;
    }
    if (this.measuredAt.toLowerCase() === "average") {
      // The average of a log-normal is its p95 × e^(−z95 σ + σ²/2).
      return latencyMs * Math.exp(Z95 * sigma - (sigma * sigma) / 2);
    }
    return latencyMs * Math.exp((Z95 - inverseStandardNormalCdf(percentileOf(this.measuredAt))) * sigma);
  }

  /** Requests per second one pod completes at most. */
  saturationRps(maxRps: number): number {
    return maxRps * this.parameters.saturation;
  }

  /** p95 of one pod at `rpsPerPod`, before any queueing delay. */
  p95Ms(latencyMs: number, maxRps: number, rpsPerPod: number): number {
    const { idleFraction, curveExponent, overloadSlope, saturation } = this.parameters;
    const atMaxRps = this.p95AtBreakingPointMs(latencyMs);
    const u = Math.max(0, Math.min(rpsPerPod / maxRps, saturation));
    if (u <= 1) {
      return atMaxRps * (idleFraction + (1 - idleFraction) * u ** curveExponent);
    }
    return atMaxRps * (1 + overloadSlope * (u - 1));
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

  /** The `quantile` (0–1, e.g. 0.99) of a log-normal whose p95 is `p95Ms`. */
  quantileMs(p95Ms: number, quantile: number): number {
    return p95Ms * Math.exp((inverseStandardNormalCdf(quantile) - Z95) * this.parameters.spread);
  }

  /**
   * The p95 of requests spread over several groups, each log-normal with its own p95:
   * the x at which 95 % of all requests are faster, found by bisection.
   */
  mixtureP95(parts: readonly LatencyPart[]): number | null {
    return this.mixtureQuantile(parts, 0.95);
  }

  /**
   * The `quantile` (0–1) of requests spread over several groups, each log-normal with its
   * own p95: the x below which that share of all requests falls, found by bisection.
   */
  mixtureQuantile(parts: readonly LatencyPart[], quantile: number): number | null {
    const live = parts.filter((p) => p.requests > 0 && p.p95Ms > 0);
    const total = live.reduce((sum, p) => sum + p.requests, 0);
    if (total <= 0) {
      return null;
    }
    const own = live.map((p) => this.quantileMs(p.p95Ms, quantile));
    if (live.length === 1) {
      return own[0] as number;
    }
    // fractionSlowerThan, with each part's median worked out once instead of 40 times.
    const sigma = this.parameters.spread;
    const medians = live.map((p) => p.p95Ms * Math.exp(-Z95 * sigma));
    const slower = (x: number) => {
      let sum = 0;
      for (let i = 0; i < live.length; i += 1) {
        const fraction = 1 - standardNormalCdf(Math.log(x / (medians[i] as number)) / sigma);
        sum += (live[i] as LatencyPart).requests * fraction;
      }
      return sum / total;
    };
    let low = Math.min(...own);
    let high = Math.max(...own);
    for (let i = 0; i < 40; i += 1) {
      const mid = Math.sqrt(low * high);
      if (slower(mid) > 1 - quantile) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return Math.sqrt(low * high);
  }

  /**
   * TargetResponseTime of requests spread over several groups at a CloudWatch statistic
   * as an SLO names it: a percentile (`p50`, `p99`, `p99.9`) or `average`.
   */
  statisticMs(parts: readonly LatencyPart[], statistic: string): number | null {
    if (statistic.toLowerCase() === "average") {
      const live = parts.filter((p) => p.requests > 0 && p.p95Ms > 0);
      const total = live.reduce((sum, p) => sum + p.requests, 0);
      return total > 0
        ? live.reduce((sum, p) => sum + p.requests * this.averageMs(p.p95Ms), 0) / total
        : null;
    }
    return this.mixtureQuantile(parts, percentileOf(statistic));
  }

  /**
   * The statistic over `requests` requests of which `failed` failed and `parts` were answered, a failed request counted as slower than any answer: the percentile of all
   * requests is the answered requests' percentile at the level that leaves the failures in
   * the tail, and Infinity when the failures alone fill the tail. For `average` (a mean
   * cannot count a failure), the answered requests' mean while at most 5 % failed, else
   * Infinity. Null without requests.
   */
  statisticOverAllMs(
    parts: readonly LatencyPart[],
    requests: number,
    failed: number,
    statistic: string,
  ): number | null {
    if (!(requests > 0)) {
      return null;
    }
    if (!(failed > 0)) {
      return this.statisticMs(parts, statistic);
    }
    const answered = requests - failed;
    if (statistic.toLowerCase() === "average") {
      return failed / requests > 0.05 || answered <= 0
        ? Number.POSITIVE_INFINITY
        : this.statisticMs(parts, statistic);
    }
    const tail = 1 - percentileOf(statistic);
    if (answered <= 0 || failed >= tail * requests) {
      return Number.POSITIVE_INFINITY;
    }
    return this.mixtureQuantile(parts, 1 - (tail * requests - failed) / answered);
  }
}

/** One group of requests and the p95 of their response times. */
export interface LatencyPart {
  readonly requests: number;
  readonly p95Ms: number;
}

/** 0.99 for `p99`, 0.999 for `p99.9`; throws for anything that is not a percentile in (0, 100). */
function percentileOf(statistic: string): number {
  const match = /^p(\d+(?:\.\d+)?)$/i.exec(statistic);
  const value = match === null ? Number.NaN : Number(match[1]);
  if (!(value > 0 && value < 100)) {
    throw new Error(
      `latency statistic "${statistic}" is not a percentile such as p95 or p99, nor average: set slo.statistic to one of p50, p90, p95, p99, average`,
    );
  }
  return value / 100;
}

/**
 * Φ⁻¹(p) by Acklam's rational approximation (relative error below 1.2e-9), for the
 * quantiles of the log-normal response times.
 */
export function inverseStandardNormalCdf(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
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
