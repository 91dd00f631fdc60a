CREATE TABLE `approvals` (
	`proposal_id` text PRIMARY KEY NOT NULL,
	`repair_id` text,
	`requested_at` text,
	`decided_at` text,
	`outcome` text,
	`first_read_at` text
);
--> statement-breakpoint
CREATE INDEX `approvals_by_request` ON `approvals` (`requested_at`);--> statement-breakpoint
CREATE TABLE `consumer_gaps` (
	`consumer_group` text NOT NULL,
	`source_stream` text NOT NULL,
	`from_seq` integer NOT NULL,
	`to_seq` integer NOT NULL,
	`detected_at` text NOT NULL,
	PRIMARY KEY(`consumer_group`, `source_stream`, `from_seq`)
);
--> statement-breakpoint
CREATE TABLE `consumer_positions` (
	`consumer_group` text NOT NULL,
	`source_stream` text NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`consumer_group`, `source_stream`)
);
--> statement-breakpoint
CREATE TABLE `inbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`consumer_group` text NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`source_stream` text NOT NULL,
	`entry_id` text NOT NULL,
	`envelope` text NOT NULL,
	`applied_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_group_event` ON `inbox` (`consumer_group`,`event_id`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`job_id` text PRIMARY KEY NOT NULL,
	`day` text NOT NULL,
	`planned_start` text,
	`planned_end` text,
	`actual_start` text,
	`actual_end` text
);
--> statement-breakpoint
CREATE INDEX `jobs_by_day` ON `jobs` (`day`);--> statement-breakpoint
CREATE TABLE `kernel_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `kernel_requests` (
	`key` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`location` text,
	`recorded_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`envelope` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);