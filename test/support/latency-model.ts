import { LatencyModel } from "../../packages/sim/src/model/latency-model.ts";

/**
 * The latency model at the scenario schema's defaults (LatencyModelSchema), spelled out:
 * the tests' expected values are worked from these numbers.
 */
export function defaultLatencyModel(): LatencyModel {
  return new LatencyModel({
    idleFraction: 0.8,
    curveExponent: 4,
    overloadSlope: 6,
    saturation: 1.2,
    queueSeconds: 5,
    spread: 0.25,
  });
}
