CREATE TABLE `dag_triggers` (
	`dag_id` text NOT NULL,
	`position` integer NOT NULL,
	`item` integer DEFAULT 0 NOT NULL,
	`type` text NOT NULL,
	`key` text NOT NULL,
	`version` integer NOT NULL,
	`config_json` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`dag_id`, `position`, `item`)
);
--> statement-breakpoint
CREATE INDEX `dag_triggers_lookup_idx` ON `dag_triggers` (`type`,`key`);--> statement-breakpoint
CREATE TABLE `dataset_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`uri` text NOT NULL,
	`dag_id` text NOT NULL,
	`run_id` text NOT NULL,
	`task_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`extra_json` text,
	`produced_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dataset_events_uri_idx` ON `dataset_events` (`uri`,`produced_at`);--> statement-breakpoint
CREATE INDEX `dataset_events_run_idx` ON `dataset_events` (`run_id`);