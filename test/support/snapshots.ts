import type { PrismaClient } from "../../src/generated/prisma/client.ts";

/**
 * Every table the bot writes, as "rows: digest of their contents", for
 * "nothing was written" checks that also catch an update in place. The
 * request bookkeeping tables (event ids and signatures already seen) are
 * left out: recording that a request arrived is not acting on it.
 */
export async function tableDigests(prisma: PrismaClient): Promise<Record<string, string>> {
  const tables = await prisma.$queryRaw<{ name: string }[]>`
    SELECT table_name::text AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
      AND table_name::text NOT IN ('_prisma_migrations', 'processed_slack_events', 'slack_requests_seen')
    ORDER BY table_name::text`;
  const digests: Record<string, string> = {};
  for (const { name } of tables) {
    const [row] = await prisma.$queryRawUnsafe<{ count: bigint; digest: string | null }[]>(
      `SELECT count(*) AS count, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${name}" t`,
    );
    digests[name] = `${Number(row!.count)}:${row!.digest ?? ""}`;
  }
  return digests;
}

/** Slack Web API methods that only read: anything else changes what someone sees. */
export const slackReadMethods = new Set([
  "auth.test",
  "team.info",
  "conversations.members",
  "conversations.history",
  "conversations.replies",
  "conversations.info",
  "conversations.list",
  "chat.getPermalink",
  "users.info",
  "users.list",
  "users.lookupByEmail",
  "usergroups.list",
  "usergroups.users.list",
  "pins.list",
  "files.info",
]);
