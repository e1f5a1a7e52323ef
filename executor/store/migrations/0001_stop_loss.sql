ALTER TYPE "leash_executor"."attempt_result" ADD VALUE 'skipped';--> statement-breakpoint
ALTER TABLE "leash_executor"."automation" ADD COLUMN "last_check" jsonb;