ALTER TABLE "leash_api"."session_request" ADD COLUMN "failure_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "leash_api"."session_request" ADD COLUMN "failure_reason" text;--> statement-breakpoint
ALTER TABLE "leash_api"."session_request" ADD COLUMN "failed_at" timestamp with time zone;