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
CREATE TABLE `login_failures` (
	`subject` text NOT NULL,
	`attempt` text NOT NULL,
	`failed_at` text NOT NULL,
	PRIMARY KEY(`subject`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `login_failures_subject` ON `login_failures` (`subject`,`failed_at`);--> statement-breakpoint
CREATE INDEX `login_failures_failed_at` ON `login_failures` (`failed_at`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`envelope` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`session` text PRIMARY KEY NOT NULL,
	`actor` text NOT NULL,
	`role` text NOT NULL,
	`issued_at` text,
	`expires_at` text NOT NULL,
	`revoked_at` text,
	`issued_by` text
);
--> statement-breakpoint
CREATE INDEX `sessions_actor` ON `sessions` (`actor`);--> statement-breakpoint
CREATE INDEX `sessions_expires_at` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `staff_accounts` (
	`email` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`updated_at` text NOT NULL
);
