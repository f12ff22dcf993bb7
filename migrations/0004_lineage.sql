CREATE TABLE `lineage_attempts` (
	`run_id` text NOT NULL,
	`task_key` text NOT NULL,
	`attempt` integer NOT NULL,
	`dag_id` text NOT NULL,
	`dag_version` integer,
	`task_id` text NOT NULL,
	`lineage_json` text NOT NULL,
	`columns_json` text DEFAULT '{}' NOT NULL,
	`recorded_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `task_key`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `lineage_attempts_dag_task_idx` ON `lineage_attempts` (`dag_id`,`task_id`,`recorded_at`);--> statement-breakpoint
CREATE TABLE `lineage_current` (
	`dag_id` text NOT NULL,
	`task_id` text NOT NULL,
	`run_id` text NOT NULL,
	`task_key` text NOT NULL,
	`attempt` integer NOT NULL,
	`lineage_json` text NOT NULL,
	`recorded_at` integer NOT NULL,
	PRIMARY KEY(`dag_id`, `task_id`)
);
--> statement-breakpoint
CREATE TABLE `lineage_dataset_catalog` (
	`uri` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`last_dag_id` text,
	`last_task_id` text,
	`last_run_id` text,
	`last_written_at` integer,
	`last_rows` integer,
	`first_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `lineage_datasets` (
	`run_id` text NOT NULL,
	`task_key` text NOT NULL,
	`attempt` integer NOT NULL,
	`role` text NOT NULL,
	`dataset` text NOT NULL,
	`dag_id` text NOT NULL,
	`task_id` text NOT NULL,
	`rows` integer,
	`recorded_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `task_key`, `attempt`, `role`, `dataset`)
);
--> statement-breakpoint
CREATE INDEX `lineage_datasets_dataset_idx` ON `lineage_datasets` (`dataset`,`role`,`recorded_at`);--> statement-breakpoint
CREATE TABLE `openlineage_cursor` (
	`target` text PRIMARY KEY NOT NULL,
	`cursor` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `task_lineage` (
	`dag_id` text NOT NULL,
	`version` integer NOT NULL,
	`task_id` text NOT NULL,
	`task_type` text NOT NULL,
	`lineage_json` text NOT NULL,
	`statement_outputs_json` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`dag_id`, `version`, `task_id`)
);
--> statement-breakpoint
CREATE INDEX `run_events_ended_idx` ON `run_events` (`ended_at`);--> statement-breakpoint
CREATE INDEX `runs_started_idx` ON `runs` (`started_at`);--> statement-breakpoint
CREATE INDEX `task_attempts_started_idx` ON `task_attempts` (`started_at`);--> statement-breakpoint
CREATE INDEX `task_attempts_ended_idx` ON `task_attempts` (`ended_at`);