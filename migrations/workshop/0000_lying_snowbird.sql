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
	`date` text NOT NULL,
	`start_time` text,
	`end_time` text,
	`description` text,
	`customer_id` text,
	`customer_name` text,
	`telephone_number` text,
	`license_number` text,
	`brand` text,
	`vehicle_type` text,
	`actual_start_time` text,
	`actual_end_time` text,
	`notes` text
);
--> statement-breakpoint
CREATE INDEX `jobs_date` ON `jobs` (`date`,`start_time`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`envelope` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE TABLE `ref_customers` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`postal_code` text NOT NULL,
	`city` text NOT NULL,
	`telephone_number` text NOT NULL,
	`email_address` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ref_vehicles` (
	`license_number` text PRIMARY KEY NOT NULL,
	`brand` text NOT NULL,
	`type` text NOT NULL,
	`owner_id` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `snapshots` (
	`stream_id` text PRIMARY KEY NOT NULL,
	`position` integer NOT NULL,
	`state` text NOT NULL
);
