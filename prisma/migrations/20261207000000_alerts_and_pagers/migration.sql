-- Alert intake (docs/ALERTS.md) and pagers beyond Slack (docs/PAGERS.md).

-- CreateTable
CREATE TABLE "alert_groups" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "group_key" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "team" TEXT,
    "components" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "is_private" BOOLEAN NOT NULL DEFAULT false,
    "title" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "external_url" TEXT,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "status" TEXT NOT NULL,
    "incident_id" UUID,
    "triage_channel_id" TEXT,
    "triage_ts" TEXT,
    "oncall" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "notifications" INTEGER NOT NULL DEFAULT 0,
    "firing_alerts" INTEGER NOT NULL DEFAULT 0,
    "snoozed_until" TIMESTAMPTZ(3),
    "decided_by" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "last_received_at" TIMESTAMPTZ(3) NOT NULL,
    "monitor_resolved_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "alert_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_instances" (
    "group_id" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "starts_at" TIMESTAMPTZ(3),
    "ends_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "alert_instances_pkey" PRIMARY KEY ("group_id","fingerprint")
);

-- CreateTable
CREATE TABLE "pager_alerts" (
    "id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "role" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "dedup_key" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'triggered',
    "delivered_state" TEXT,
    "remote_id" TEXT,
    "triggered_at" TIMESTAMPTZ(3) NOT NULL,
    "acknowledged_at" TIMESTAMPTZ(3),
    "acknowledged_by" TEXT,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "pager_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "alert_groups_incident_id_idx" ON "alert_groups"("incident_id");

-- CreateIndex
CREATE UNIQUE INDEX "pager_alerts_dedup_key_key" ON "pager_alerts"("dedup_key");

-- CreateIndex
CREATE UNIQUE INDEX "pager_alerts_incident_id_role_provider_key" ON "pager_alerts"("incident_id", "role", "provider");

-- AddForeignKey
ALTER TABLE "alert_instances" ADD CONSTRAINT "alert_instances_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "alert_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- At most one open group per source and key: two replicas receiving the same
-- notification at once insert one group, and the other's insert does nothing
-- (INSERT … ON CONFLICT DO NOTHING in src/capabilities/alerts/intake.ts).
-- Prisma cannot express a partial unique index, so it lives here only.
CREATE UNIQUE INDEX "alert_groups_open_key" ON "alert_groups"("source", "group_key") WHERE "closed_at" IS NULL;
