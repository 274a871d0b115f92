/**
 * Removes control characters (except tab and newline) from text people
 * typed. PostgreSQL cannot store NUL in text, and none of them belongs in a
 * title, an update or a notice.
 */
export function withoutControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex -- the control characters are the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
}
