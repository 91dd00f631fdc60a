CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`envelope` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE TABLE `vehicles` (
	`license_number` text PRIMARY KEY NOT NULL,
	`brand` text NOT NULL,
	`type` text NOT NULL,
	`owner_id` text NOT NULL
);
