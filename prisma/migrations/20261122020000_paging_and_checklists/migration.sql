-- CreateTable
CREATE TABLE "pages" (
    "id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "role" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'open',
    "level" INTEGER NOT NULL DEFAULT 0,
    "round" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,
    "paged_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_paged_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledged_at" TIMESTAMPTZ(3),

    CONSTRAINT "pages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checklist_items" (
    "incident_id" UUID NOT NULL,
    "checklist" TEXT NOT NULL,
    "item_id" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "deadline_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    "completed_by" TEXT,
    "nudged_at" TIMESTAMPTZ(3),

    CONSTRAINT "checklist_items_pkey" PRIMARY KEY ("incident_id","checklist","item_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "pages_incident_id_role_user_id_key" ON "pages"("incident_id", "role", "user_id");

-- AddForeignKey
ALTER TABLE "pages" ADD CONSTRAINT "pages_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checklist_items" ADD CONSTRAINT "checklist_items_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

