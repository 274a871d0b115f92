-- AlterTable
ALTER TABLE "incidents" ADD COLUMN     "reminders_since_update" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "resolution_summary" TEXT;

-- CreateTable
CREATE TABLE "timers" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "claim_token" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "timers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "slack_posts" (
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "thread_ts" TEXT,
    "target_ts" TEXT,
    "message" JSONB NOT NULL,
    "incident_id" UUID,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "ts" TEXT,
    "send_attempts" INTEGER NOT NULL DEFAULT 0,
    "reserved_slot" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "slack_posts_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "slack_channel_slots" (
    "channel_id" TEXT NOT NULL,
    "next_slot_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slack_channel_slots_pkey" PRIMARY KEY ("channel_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "timers_key_key" ON "timers"("key");

-- CreateIndex
CREATE INDEX "timers_state_due_at_idx" ON "timers"("state", "due_at");

-- CreateIndex
CREATE INDEX "slack_posts_incident_id_idx" ON "slack_posts"("incident_id");

