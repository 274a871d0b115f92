/** One escalation timer per incident and role: the key both the escalation and the pagers' webhooks stop. */
export function escalationKey(incidentId: string, role: string): string {
  return `escalation:${incidentId}:${role}`;
}
