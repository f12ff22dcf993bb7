CREATE TABLE `run_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`dag_id` text NOT NULL,
	`dag_version` integer NOT NULL,
	`status` text NOT NULL,
	`logical_date` text,
	`trigger_json` text NOT NULL,
	`datasets_json` text NOT NULL,
	`started_at` integer,
	`ended_at` integer NOT NULL,
	`recorded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `run_events_dag_ended` ON `run_events` (`dag_id`,`ended_at`);