// Writes holiday-week.csv: five days of the SD2.1 service's daily wave (300-4,000 RPS,
// peak at 15:00 UTC, as scale-wave.yaml) with seeded ±3 % noise per minute, whose last
// two days break the pattern the first three set: day 4 is a holiday at 40 % of the
// usual demand, day 5 a launch at 150 %. A day's scale takes over at its trough (03:00
// UTC) over two hours, as a real change of level would, not as a step at midnight. One
// row per minute (minute,rps), for the scale-holiday scenario: a forecast made from the
// usual days is wrong on both. Reproduce it with
//
//   node examples/sd21/traces/make-holiday-week.ts > examples/sd21/traces/holiday-week.csv

const MINUTES_PER_DAY = 24 * 60;
const DAYS = [1, 1, 1, 0.4, 1.5];
const MIN_RPS = 300;
const MAX_RPS = 4000;
const PEAK_MINUTE = 15 * 60;
const NOISE = 0.03;
/** Each day's scale starts at its trough and is fully in force two hours later. */
const CHANGE_FROM_MINUTE = 3 * 60;
const CHANGE_MINUTES = 2 * 60;

/** The demand scale at a minute of the run: the day's, blended from the day before's over its change. */
function scaleAt(minute: number): number {
  const day = Math.floor((minute - CHANGE_FROM_MINUTE) / MINUTES_PER_DAY);
  const today = DAYS[Math.max(0, Math.min(DAYS.length - 1, day))] ?? 1;
  const before = DAYS[Math.max(0, Math.min(DAYS.length - 1, day - 1))] ?? 1;
  const into = minute - (day * MINUTES_PER_DAY + CHANGE_FROM_MINUTE);
  return into >= CHANGE_MINUTES || into < 0 ? today : before + ((today - before) * into) / CHANGE_MINUTES;
}

/** A small seeded generator (mulberry32), so the file is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(20241125);
const lines = ["minute,rps"];
for (let minute = 0; minute < DAYS.length * MINUTES_PER_DAY; minute += 1) {
  const wave = (1 + Math.cos((2 * Math.PI * (minute - PEAK_MINUTE)) / MINUTES_PER_DAY)) / 2;
  const rps = scaleAt(minute) * (MIN_RPS + (MAX_RPS - MIN_RPS) * wave) * (1 + NOISE * (2 * next() - 1));
  lines.push(`${minute},${rps.toFixed(1)}`);
}
process.stdout.write(`${lines.join("\n")}\n`);
