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
CREATE TABLE `customers` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`email_address` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `first_reads` (
	`notification_id` text PRIMARY KEY NOT NULL,
	`read_at` text NOT NULL
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
CREATE TABLE `mails` (
	`notification_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`sent_at` text,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `mails_due` ON `mails` (`sent_at`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`sequence` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`notification_id` text NOT NULL,
	`recipient` text NOT NULL,
	`kind` text NOT NULL,
	`cause_id` text NOT NULL,
	`repair_id` text,
	`proposal_id` text,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`details` text NOT NULL,
	`sent_at` text NOT NULL,
	`read_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_notification_id_unique` ON `notifications` (`notification_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_one_per_event_and_recipient` ON `notifications` (`cause_id`,`recipient`);--> statement-breakpoint
CREATE INDEX `notifications_by_recipient` ON `notifications` (`recipient`,`sequence`);--> statement-breakpoint
CREATE INDEX `notifications_by_repair` ON `notifications` (`repair_id`,`sequence`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`envelope` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE TABLE `repairs` (
	`repair_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`mechanic` text NOT NULL,
	`license_number` text NOT NULL
);
