-- AlterTable
ALTER TABLE "action_items" ADD COLUMN     "github_synced_at" TIMESTAMPTZ(3);

