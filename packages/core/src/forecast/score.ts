import type { EpochMs } from "../signals/types.ts";

/**
 * How good the forecast was, over the minutes that have both a forecast (made a start-up
 * ahead of them) and a measured demand: the mean absolute error and the bias, each as a
 * share of the demand in those minutes. What forecast-only mode is for (EC2 predictive
 * scaling's ForecastOnly: evaluate the forecast before letting it act).
 */
export interface ForecastScore {
  readonly minutes: number;
  /** Σ |forecast − demand| ÷ Σ demand, in percent. */
  readonly meanAbsoluteErrorPercent: number;
  /** Σ (forecast − demand) ÷ Σ demand, in percent: above 0 the forecast ran high (pods paid for), below 0 low. */
  readonly biasPercent: number;
}

/** Scores forecasts against demand, both per minute start; null when no minute has both, or no demand. */
export function forecastScore(
  forecasts: ReadonlyMap<EpochMs, number>,
  demand: ReadonlyMap<EpochMs, number>,
): ForecastScore | null {
  let minutes = 0;
  let absolute = 0;
  let signed = 0;
  let total = 0;
  for (const [at, forecast] of forecasts) {
    const actual = demand.get(at);
    if (actual === undefined) {
      continue;
    }
    minutes += 1;
    absolute += Math.abs(forecast - actual);
    signed += forecast - actual;
    total += actual;
  }
  if (minutes === 0 || total <= 0) {
    return null;
  }
  return {
    minutes,
    meanAbsoluteErrorPercent: (100 * absolute) / total,
    biasPercent: (100 * signed) / total,
  };
}
