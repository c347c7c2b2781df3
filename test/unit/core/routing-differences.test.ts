import { type RuleTarget, routingDifferences } from "@switchyard/core";
import { describe, expect, it } from "vitest";

type Planned = Parameters<typeof routingDifferences>[1];

const seed: Planned = [
  { serviceName: "sd21-inf2", weight: 40 },
  { serviceName: "sd21-trn1", weight: 20 },
  { serviceName: "sd21-a10g-triton", weight: 0 },
];
const capacity: Planned = [
  { serviceName: "sd21", weight: 100 },
  { serviceName: "sd21-inf2", weight: 0 },
];

describe("Function: routingDifferences", () => {
  it.each<{ name: string; rule: RuleTarget[]; expected: Planned; differences: unknown[] }>([
    {
      name: "nothing when every planned weight is held",
      rule: [
        { serviceName: "sd21-inf2", weight: 40 },
        { serviceName: "sd21-trn1", weight: 20 },
        { serviceName: "sd21-a10g-triton", weight: 0 },
      ],
      expected: seed,
      differences: [],
    },
    {
      name: "a weight that differs, and a planned target group the rule lacks",
      rule: [
        { serviceName: "sd21-inf2", weight: 50 },
        { serviceName: "sd21-trn1", weight: 20 },
      ],
      expected: seed,
      differences: [
        { serviceName: "sd21-inf2", expected: 40, actual: 50 },
        { serviceName: "sd21-a10g-triton", expected: 0, actual: null },
      ],
    },
    {
      name: "a target group outside the plan that still carries traffic (after the planned ones)",
      rule: [
        { serviceName: "sd21-g6", weight: 5 },
        { serviceName: "sd21-inf2", weight: 40 },
        { serviceName: "sd21-trn1", weight: 20 },
        { serviceName: "sd21-a10g-triton", weight: 0 },
        { serviceName: "sd21-idle", weight: 0 },
      ],
      expected: seed,
      differences: [{ serviceName: "sd21-g6", expected: 0, actual: 5 }],
    },
    {
      name: "nothing for a lone forward to the sole planned carrier, whatever weight it echoes",
      rule: [{ serviceName: "sd21", weight: undefined }],
      expected: capacity,
      differences: [{ serviceName: "sd21-inf2", expected: 0, actual: null }],
    },
    {
      name: "a lone target group that is not the planned carrier: its weight counts (1 when absent)",
      rule: [{ serviceName: "sd21-inf2", weight: undefined }],
      expected: capacity,
      differences: [
        { serviceName: "sd21", expected: 100, actual: null },
        { serviceName: "sd21-inf2", expected: 0, actual: 1 },
      ],
    },
  ])("reports $name", ({ rule, expected, differences }) => {
    expect(routingDifferences(rule, expected)).toEqual(differences);
  });
});
