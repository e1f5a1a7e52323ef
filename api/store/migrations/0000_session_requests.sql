CREATE SCHEMA IF NOT EXISTS "leash_api";
--> statement-breakpoint
CREATE TYPE "leash_api"."request_status" AS ENUM('awaiting_approval', 'approved', 'declined');--> statement-breakpoint
CREATE TABLE "leash_api"."session_request" (
	"id" text PRIMARY KEY NOT NULL,
	"idempotency_key" text,
	"body_hash" text NOT NULL,
	"account" text NOT NULL,
	"session_key" text NOT NULL,
	"permission_id" text NOT NULL,
	"status" "leash_api"."request_status" NOT NULL,
	"request" jsonb NOT NULL,
	"explanation" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"approved_at" timestamp with time zone,
	"signature" text,
	"signer" text,
	"declined_at" timestamp with time zone,
	"decline_reason" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "session_request_idempotency_key" ON "leash_api"."session_request" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "session_request_account" ON "leash_api"."session_request" USING btree ("account","created_at");--> statement-breakpoint
CREATE INDEX "session_request_permission" ON "leash_api"."session_request" USING btree ("account","permission_id");