/**
 * A declaration in the `declaring` phase is finished (channel, intro,
 * announcement, activation) by the incidents capability on this durable
 * timer. Whoever records a declaration outside a Slack request (an alert)
 * schedules it in the same transaction, so a crash loses nothing.
 */
export const completeDeclarationKind = "incident.complete_declaration";

export function completeDeclarationKey(incidentId: string): string {
  return `complete-declaration:${incidentId}`;
}
