export { ManualClock } from "../../src/core/clock.ts";

export const minutes = (n: number) => n * 60_000;
export const hours = (n: number) => n * 3_600_000;
