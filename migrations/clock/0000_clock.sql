CREATE TABLE `clock_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`started_on` text NOT NULL,
	`manual_now` text
);
--> statement-breakpoint
CREATE TABLE `days_passed` (
	`date` text PRIMARY KEY NOT NULL,
	`recorded_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `kernel_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
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
--> statement-breakpoint
INSERT INTO `kernel_meta` (`key`, `value`) VALUES ('origin', lower(hex(randomblob(16))));
