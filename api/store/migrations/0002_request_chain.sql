DROP INDEX "leash_api"."session_request_permission";--> statement-breakpoint
ALTER TABLE "leash_api"."session_request" ADD COLUMN "chain_id" integer;--> statement-breakpoint
CREATE INDEX "session_request_permission" ON "leash_api"."session_request" USING btree ("account","permission_id","chain_id");