CREATE TABLE `backfills` (
	`backfill_id` text PRIMARY KEY NOT NULL,
	`dag_id` text NOT NULL,
	`status` text NOT NULL,
	`request_json` text NOT NULL,
	`counts_json` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `backfills_dag_created_idx` ON `backfills` (`dag_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `dag_schedules` (
	`dag_id` text PRIMARY KEY NOT NULL,
	`wanted_version` integer NOT NULL,
	`applied_version` integer DEFAULT 0 NOT NULL,
	`schedule` text,
	`timezone` text DEFAULT 'UTC' NOT NULL,
	`paused` integer DEFAULT 0 NOT NULL,
	`next_run_at` integer,
	`next_logical_date` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dag_schedules_due_idx` ON `dag_schedules` (`paused`,`next_run_at`);--> statement-breakpoint
CREATE INDEX `dag_schedules_unsynced_idx` ON `dag_schedules` (`wanted_version`) WHERE wanted_version > applied_version;