CREATE SCHEMA IF NOT EXISTS "leash_executor";
--> statement-breakpoint
CREATE TYPE "leash_executor"."attempt_result" AS ENUM('sending', 'included', 'reverted', 'refused', 'transient');--> statement-breakpoint
CREATE TYPE "leash_executor"."automation_status" AS ENUM('requesting', 'awaiting_approval', 'running', 'completed', 'stopped', 'cancelled');--> statement-breakpoint
CREATE TYPE "leash_executor"."slot_status" AS ENUM('pending', 'sending', 'done', 'reverted', 'refused');--> statement-breakpoint
CREATE TABLE "leash_executor"."attempt" (
	"id" serial PRIMARY KEY NOT NULL,
	"automation_id" text NOT NULL,
	"slot_index" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"user_op_hash" text,
	"nonce" text,
	"amount_in" text NOT NULL,
	"minimum_out" text,
	"result" "leash_executor"."attempt_result" NOT NULL,
	"transaction_hash" text,
	"gas_used" text,
	"gas_cost" text,
	"refusal_kind" text,
	"message" text,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "leash_executor"."automation" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" "leash_executor"."automation_status" NOT NULL,
	"account" text NOT NULL,
	"plan" jsonb NOT NULL,
	"request" jsonb NOT NULL,
	"session_key" text NOT NULL,
	"sealed_key" text,
	"request_id" text,
	"approval" jsonb,
	"stop_kind" text,
	"stop_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "leash_executor"."slot" (
	"automation_id" text NOT NULL,
	"index" integer NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"amount_in" text NOT NULL,
	"status" "leash_executor"."slot_status" NOT NULL,
	"lease_until" timestamp with time zone,
	"from_block" text,
	"nonce" text,
	"user_op_hash" text,
	"transaction_hash" text,
	"gas_used" text,
	"gas_cost" text,
	"finished_at" timestamp with time zone,
	CONSTRAINT "slot_automation_id_index_pk" PRIMARY KEY("automation_id","index")
);
--> statement-breakpoint
CREATE INDEX "attempt_slot" ON "leash_executor"."attempt" USING btree ("automation_id","slot_index");--> statement-breakpoint
CREATE INDEX "slot_due" ON "leash_executor"."slot" USING btree ("status","due_at");