/**
 * The outcome of something that can fail in an expected way (parsing what a
 * person typed, validating a form): the value, or what was wrong. A failure
 * is data to answer with, never an exception.
 */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
