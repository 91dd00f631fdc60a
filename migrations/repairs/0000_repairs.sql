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
CREATE TABLE `events` (
	`stream_id` text NOT NULL,
	`position` integer NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`envelope` text NOT NULL,
	PRIMARY KEY(`stream_id`, `position`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_event_id_unique` ON `events` (`event_id`);--> statement-breakpoint
CREATE INDEX `events_type` ON `events` (`type`);--> statement-breakpoint
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
	`planning_date` text NOT NULL,
	`customer_id` text,
	`license_number` text,
	`finished` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
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
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE TABLE `proposal_ids` (
	`proposal_id` text PRIMARY KEY NOT NULL,
	`repair_id` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `repairs` (
	`repair_id` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`planning_date` text NOT NULL,
	`customer_id` text NOT NULL,
	`license_number` text NOT NULL,
	`status` text NOT NULL,
	`started_at` text NOT NULL,
	`expires_at` text,
	`completed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `repairs_job_id_unique` ON `repairs` (`job_id`);--> statement-breakpoint
CREATE INDEX `repairs_status_expires` ON `repairs` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `repairs_started` ON `repairs` (`started_at`);--> statement-breakpoint
CREATE TABLE `snapshots` (
	`stream_id` text PRIMARY KEY NOT NULL,
	`position` integer NOT NULL,
	`state` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `kernel_meta` (`key`, `value`) VALUES ('origin', lower(hex(randomblob(16))));
