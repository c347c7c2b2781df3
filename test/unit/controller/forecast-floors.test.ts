import { evaluate } from "@switchyard/controller";
import { DAY, type DemandHistory, type InferenceService, type SwitchyardConfig } from "@switchyard/core";
import { SWITCHYARD_ANNOTATIONS } from "@switchyard/core/manifests";
import type { MetricsSnapshot } from "@switchyard/core/ports";
import { describe, expect, it } from "vitest";
import { harness } from "../../support/controller-fixtures.ts";
import { MINUTE, minutes, T0, UNITS } from "../../support/decision-fixtures.ts";
import { CannedHistory } from "../../support/fake-ports.ts";
import { sd21Config } from "../../support/sd21.ts";

const schedule = { trigger: "schedule" as const, capacitySignals: [] };

/** The seed's hand weights, which the harness's Ingress holds. */
const SEED_WEIGHTS: Record<string, number> = {
  "sd21-inf2": 40,
  "sd21-trn1": 20,
  "sd21-a10g-triton": 15,
  "sd21-l4-triton": 10,
  "sd21-a10g-cuda": 15,
};

/** 30 measured minutes of demand rising 8 RPS a minute from 200, split by the seed's weights. */
function risingSnapshot(): MetricsSnapshot {
  const weights = SEED_WEIGHTS;
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  return {
    services: {
      sd21: {
        units: Object.fromEntries(
          UNITS.map((u) => [u, minutes(30, (i) => ({ rps: ((200 + 8 * i) * (weights[u] ?? 0)) / total }))]),
        ),
        consolidated: null,
        elb5xx: [],
      },
    },
    capacityErrors: [],
  };
}

function withForecast(mode: InferenceService["forecast"]["mode"]): SwitchyardConfig {
  const config = sd21Config();
  return {
    ...config,
    services: config.services.map((s) => ({ ...s, forecast: { ...s.forecast, mode } })),
  };
}

function setUp(config = sd21Config()) {
  const h = harness(config);
  h.metrics.snapshot = risingSnapshot();
  const history = new CannedHistory();
  return { h, history, deps: { ...h, history } };
}

describe("Function: evaluate — the forecast floor", () => {
  it("reads the history once, at the period that fits one page, and raises each unit's minReplicaCount ahead of the rise", async () => {
    const { h, history, deps } = setUp();
    const report = await evaluate(h.config, schedule, deps);
    expect(history.requests).toHaveLength(1);
    const request = history.requests[0];
    // Five units and the consolidated Service: 6 series × 14 days fit one page at 300 s.
    expect(request?.periodSeconds).toBe(300);
    expect((request?.end ?? 0) - (request?.start ?? 0)).toBe(14 * DAY);
    expect(request?.end).toBeLessThanOrEqual(T0 - 2 * MINUTE);
    const floors = report.services[0]?.floors;
    expect(floors?.acts).toBe(true);
    const inf2 = floors?.units.find((u) => u.unit === "sd21-inf2");
    expect(inf2?.action.kind).toBe("raise");
    const pods = inf2?.action.kind === "raise" ? inf2.action.pods : 0;
    expect(pods).toBeGreaterThan(1);
    expect(h.cluster.floorObjects["sd21-inf2"]?.spec.minReplicaCount).toBe(pods);
    expect(
      h.cluster.floorObjects["sd21-inf2"]?.metadata.annotations?.[SWITCHYARD_ANNOTATIONS.replicaFloor],
    ).toBe(`${pods};base=1`);
    expect(report.services[0]?.floorChanges).toContainEqual(
      expect.objectContaining({ unit: "sd21-inf2", outcome: "raised", from: 1, to: pods }),
    );
  });

  it("writes only the floors that change: a second evaluation in the same minute reads the ScaledObjects once (evaluate's own read) and writes nothing", async () => {
    const { h, deps } = setUp();
    await evaluate(h.config, schedule, deps);
    h.cluster.calls.length = 0;
    const again = await evaluate(h.config, schedule, deps);
    expect(again.services[0]?.floorChanges).toEqual([]);
    expect(h.cluster.calls.filter((c) => c.startsWith("setReplicaFloor"))).toEqual([]);
    expect(h.cluster.calls.filter((c) => c === "readScaledObjects")).toHaveLength(1);
  });

  it("puts the owner's minReplicaCount back once there is no forecast", async () => {
    const { h, deps } = setUp();
    await evaluate(h.config, schedule, deps);
    h.metrics.snapshot = {
      ...risingSnapshot(),
      services: { sd21: { units: {}, consolidated: null, elb5xx: [] } },
    };
    const report = await evaluate(h.config, schedule, deps);
    expect(report.services[0]?.floorChanges.every((c) => c.outcome === "restored" && c.to === 1)).toBe(true);
    expect(h.cluster.floorObjects["sd21-inf2"]?.spec.minReplicaCount).toBe(1);
    expect(h.cluster.floorObjects["sd21-inf2"]?.metadata.annotations).toEqual({});
  });

  it("forecast-only: forecasts and reports the floors, writes nothing", async () => {
    const { h, history, deps } = setUp(withForecast("forecast-only"));
    const report = await evaluate(h.config, schedule, deps);
    expect(history.requests).toHaveLength(1);
    expect(report.services[0]?.floors?.acts).toBe(false);
    expect(report.services[0]?.floors?.units.some((u) => u.action.kind === "raise")).toBe(true);
    expect(h.cluster.calls.filter((c) => c.startsWith("setReplicaFloor"))).toEqual([]);
  });

  it("off: reads no history and has no floors", async () => {
    const { h, history, deps } = setUp(withForecast("off"));
    const report = await evaluate(h.config, schedule, deps);
    expect(history.requests).toEqual([]);
    expect(report.services[0]?.floors).toBeNull();
  });

  it("a pinned service gets no floor writes: the controller only observes", async () => {
    const { h, deps } = setUp();
    h.cluster.ingress = {
      ...h.cluster.ingress,
      annotations: { ...h.cluster.ingress.annotations, [SWITCHYARD_ANNOTATIONS.pin]: "cost" },
    };
    const report = await evaluate(h.config, schedule, deps);
    expect(report.services[0]?.decision.kind).toBe("pinned");
    expect(h.cluster.calls.filter((c) => c.startsWith("setReplicaFloor"))).toEqual([]);
  });

  it("uses the history: a ramp the earlier days show is forecast before the recent minutes rise", async () => {
    const { h, history, deps } = setUp();
    // Flat now at 200 RPS, but every earlier day doubled over the next 10 minutes.
    h.metrics.snapshot = {
      ...risingSnapshot(),
      services: {
        sd21: {
          units: Object.fromEntries(UNITS.map((u) => [u, minutes(30, () => ({ rps: 40 }))])),
          consolidated: null,
          elb5xx: [],
        },
      },
    };
    // Three earlier days at 200 RPS, each doubling from 5 minutes after this time of day on.
    const periodMs = 5 * MINUTE;
    const end = T0 - 2 * MINUTE;
    const start = end - 3 * DAY;
    const count = (3 * DAY) / periodMs;
    const daily: DemandHistory = {
      start,
      periodMs,
      rps: Array.from({ length: count }, (_, i) => {
        const sinceNowOfDay = (start + i * periodMs - T0 + 3 * DAY) % DAY;
        return sinceNowOfDay >= 5 * MINUTE && sinceNowOfDay < 60 * MINUTE ? 400 : 200;
      }),
    };
    history.histories = { sd21: daily };
    const flat = await evaluate(h.config, schedule, { ...deps, history: new CannedHistory() });
    const seasonal = await evaluate(h.config, schedule, deps);
    const pods = (r: typeof flat) =>
      r.services[0]?.floors?.units.reduce(
        (sum, u) => sum + (u.action.kind === "raise" ? u.action.pods : 0),
        0,
      ) ?? 0;
    expect(pods(seasonal)).toBeGreaterThan(pods(flat));
    expect(seasonal.services[0]?.floors?.forecast.days).toBe(3);
  });
});
