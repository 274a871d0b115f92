export { ManualClock } from "../../src/shared/clock.ts";

export const minutes = (n: number) => n * 60_000;
export const hours = (n: number) => n * 3_600_000;
