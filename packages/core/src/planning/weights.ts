/** The weights of one ALB forward action: integers 0–999 (ELBv2 TargetGroupTuple). */
export const MAX_ALB_WEIGHT = 999;

/**
 * Integer weights summing to `total` (100 by default), proportional to `shares`.
 *
 * Rounding rule (largest remainder): each share gets the floor of its exact quota,
 * and the points left over go one each to the largest fractional parts, ties to the
 * larger share and then to the earlier unit. Then no unit with a positive share is
 * left at 0: it takes one point from the unit with the largest weight. All shares 0
 * (nothing can carry traffic) gives all weights 0.
 */
export function proportionalWeights(shares: readonly number[], total = 100): number[] {
  const sum = shares.reduce((acc, share) => acc + Math.max(0, share), 0);
  if (sum <= 0) {
    return shares.map(() => 0);
  }
  const quotas = shares.map((share) => (Math.max(0, share) / sum) * total);
  const weights = quotas.map(Math.floor);
  let left = total - weights.reduce((acc, w) => acc + w, 0);
  const byRemainder = quotas
    .map((quota, index) => ({ index, remainder: quota - Math.floor(quota), share: shares[index] ?? 0 }))
    .sort((a, b) => b.remainder - a.remainder || b.share - a.share || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left <= 0) {
      break;
    }
    weights[index] = (weights[index] ?? 0) + 1;
    left -= 1;
  }
  shares.forEach((share, index) => {
    if (share > 0 && weights[index] === 0) {
      const donor = weights.reduce((top, w, i) => (w > (weights[top] ?? 0) ? i : top), 0);
      if ((weights[donor] ?? 0) > 1) {
        weights[donor] = (weights[donor] ?? 0) - 1;
        weights[index] = 1;
      }
    }
  });
  return weights;
}

/**
 * Integer weights over the ALB's whole range, proportional to `shares`: the largest
 * share gets MAX_ALB_WEIGHT and every other share its proportion rounded to the nearest
 * point — or down, when rounding up would add more than `slack` of its exact value (ALB
 * weights are relative, they need not sum to 100). Rounding up a small unit is what can
 * overload its pods: at 40,000 RPS one point of 1,085 is 37 RPS, and half a point more
 * than its exact share sent an l4 pod 74 RPS where it breaks at 61. With `slack` half the
 * plan's headroom, a unit's routed share stays within its headroom of its exact share
 * (the others lose under half a point each), so no pod is sent past its breaking point by
 * rounding. A share below one point of the largest gets weight 0: the unit stays in the
 * action and its pods idle rather than take a whole point's traffic they cannot serve.
 */
export function rangeWeights(shares: readonly number[], slack = 0): number[] {
  const top = shares.reduce((acc, share) => Math.max(acc, share), 0);
  if (!(top > 0)) {
    return shares.map(() => 0);
  }
  return shares.map((share) => {
    if (!(share > 0)) {
      return 0;
    }
    const exact = (share / top) * MAX_ALB_WEIGHT;
    const nearest = Math.round(exact);
    const weight =
      nearest <= exact * (1 + slack) + ROUNDING_SLACK ? nearest : Math.floor(exact + ROUNDING_SLACK);
    return Math.min(MAX_ALB_WEIGHT, weight);
  });
}

/** Floating-point slack, so an exact 4 computed as 3.9999999999 still floors to 4. */
const ROUNDING_SLACK = 1e-9;

/** Each weight's fraction of their sum: the share of requests the ALB sends it. */
export function weightShares(weights: readonly number[]): number[] {
  const sum = weights.reduce((acc, w) => acc + w, 0);
  return weights.map((w) => (sum > 0 ? w / sum : 0));
}
