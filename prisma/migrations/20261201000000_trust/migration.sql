-- CreateTable
CREATE TABLE "incident_counter" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "last_number" INTEGER NOT NULL,

    CONSTRAINT "incident_counter_pkey" PRIMARY KEY ("id")
);

-- Continue from the incidents that already exist.
INSERT INTO "incident_counter" ("id", "last_number")
SELECT 1, COALESCE(MAX("number"), 0) FROM "incidents";

-- CreateTable
CREATE TABLE "slack_requests_seen" (
    "signature" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slack_requests_seen_pkey" PRIMARY KEY ("signature")
);

-- CreateIndex
CREATE INDEX "slack_requests_seen_received_at_idx" ON "slack_requests_seen"("received_at");
