-- CreateTable
CREATE TABLE "action_items" (
    "id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "owner_id" TEXT,
    "due_on" DATE,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "state" TEXT NOT NULL DEFAULT 'open',
    "done_at" TIMESTAMPTZ(3),
    "done_by" TEXT,
    "source_url" TEXT,
    "github_state" TEXT NOT NULL DEFAULT 'off',
    "github_number" INTEGER,
    "github_url" TEXT,
    "github_assignee" TEXT,
    "github_attempted_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "action_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "postmortems" (
    "incident_id" UUID NOT NULL,
    "owner_id" TEXT,
    "review_due_at" TIMESTAMPTZ(3),
    "markdown" TEXT,
    "drafted_by" TEXT,
    "drafted_at" TIMESTAMPTZ(3),
    "github_state" TEXT NOT NULL DEFAULT 'off',
    "github_number" INTEGER,
    "github_url" TEXT,
    "github_attempted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "postmortems_pkey" PRIMARY KEY ("incident_id")
);

-- CreateTable
CREATE TABLE "processed_github_deliveries" (
    "delivery_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_github_deliveries_pkey" PRIMARY KEY ("delivery_id")
);

-- CreateIndex
CREATE INDEX "action_items_incident_id_idx" ON "action_items"("incident_id");

-- CreateIndex
CREATE INDEX "action_items_state_due_on_idx" ON "action_items"("state", "due_on");

-- CreateIndex
CREATE INDEX "action_items_owner_id_state_idx" ON "action_items"("owner_id", "state");

-- CreateIndex
CREATE INDEX "action_items_github_number_idx" ON "action_items"("github_number");

-- AddForeignKey
ALTER TABLE "action_items" ADD CONSTRAINT "action_items_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "postmortems" ADD CONSTRAINT "postmortems_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

