-- CreateTable
CREATE TABLE "notices" (
    "id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "phase" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "approved_by" TEXT,
    "approved_at" TIMESTAMPTZ(3),

    CONSTRAINT "notices_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "notices_incident_id_phase_version_key" ON "notices"("incident_id", "phase", "version");

-- AddForeignKey
ALTER TABLE "notices" ADD CONSTRAINT "notices_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

