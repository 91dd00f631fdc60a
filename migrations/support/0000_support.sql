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
CREATE TABLE `conversations` (
	`repair_id` text PRIMARY KEY NOT NULL,
	`customer_id` text,
	`mechanic` text,
	`license_number` text,
	`started_at` text,
	`completed_at` text
);
--> statement-breakpoint
CREATE INDEX `conversations_by_start` ON `conversations` (`started_at`,`repair_id`);--> statement-breakpoint
CREATE TABLE `entries` (
	`event_id` text PRIMARY KEY NOT NULL,
	`repair_id` text NOT NULL,
	`occurred_at` text NOT NULL,
	`kind` text NOT NULL,
	`who` text NOT NULL,
	`actor` text NOT NULL,
	`text` text NOT NULL,
	`details` text NOT NULL,
	`notification_id` text
);
--> statement-breakpoint
CREATE INDEX `entries_by_repair` ON `entries` (`repair_id`,`occurred_at`,`event_id`);--> statement-breakpoint
CREATE INDEX `entries_by_notification` ON `entries` (`notification_id`);--> statement-breakpoint
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
CREATE TABLE `messages` (
	`sequence` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`event_id` text NOT NULL,
	`repair_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`author` text NOT NULL,
	`text` text NOT NULL,
	`written_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_message_id_unique` ON `messages` (`message_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `messages_event_id_unique` ON `messages` (`event_id`);--> statement-breakpoint
CREATE INDEX `messages_by_repair` ON `messages` (`repair_id`,`written_at`);--> statement-breakpoint
CREATE TABLE `notification_reads` (
	`notification_id` text PRIMARY KEY NOT NULL,
	`read_at` text NOT NULL
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
CREATE TABLE `proposals` (
	`repair_id` text NOT NULL,
	`proposal_id` text NOT NULL,
	`requested_at` text,
	`expires_at` text,
	`answered_at` text,
	`answer` text,
	PRIMARY KEY(`repair_id`, `proposal_id`)
);
