CREATE TABLE `dag_versions` (
	`dag_id` text NOT NULL,
	`version` integer NOT NULL,
	`spec_hash` text NOT NULL,
	`spec_json` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`dag_id`, `version`)
);
--> statement-breakpoint
CREATE TABLE `dags` (
	`dag_id` text PRIMARY KEY NOT NULL,
	`latest_version` integer NOT NULL,
	`description` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`run_id` text PRIMARY KEY NOT NULL,
	`dag_id` text NOT NULL,
	`dag_version` integer NOT NULL,
	`status` text NOT NULL,
	`run_key` text,
	`trigger_type` text NOT NULL,
	`trigger_json` text,
	`logical_date` text,
	`params_json` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runs_dag_created_idx` ON `runs` (`dag_id`,`created_at`,`run_id`);--> statement-breakpoint
CREATE INDEX `runs_dag_status_created_idx` ON `runs` (`dag_id`,`status`,`created_at`,`run_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `runs_dag_run_key_idx` ON `runs` (`dag_id`,`run_key`) WHERE run_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX `runs_dag_logical_date_idx` ON `runs` (`dag_id`,`logical_date`);--> statement-breakpoint
CREATE TABLE `task_attempts` (
	`run_id` text NOT NULL,
	`task_key` text NOT NULL,
	`attempt` integer NOT NULL,
	`task_id` text NOT NULL,
	`map_index` integer,
	`dag_id` text NOT NULL,
	`status` text NOT NULL,
	`via` text NOT NULL,
	`queued_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`error_json` text,
	PRIMARY KEY(`run_id`, `task_key`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `task_attempts_dag_task_idx` ON `task_attempts` (`dag_id`,`task_id`,`queued_at`);--> statement-breakpoint
CREATE TABLE `task_instances` (
	`run_id` text NOT NULL,
	`task_key` text NOT NULL,
	`task_id` text NOT NULL,
	`map_index` integer,
	`dag_id` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`error_json` text,
	`output_json` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `task_key`)
);
--> statement-breakpoint
CREATE INDEX `task_instances_dag_task_idx` ON `task_instances` (`dag_id`,`task_id`,`status`);