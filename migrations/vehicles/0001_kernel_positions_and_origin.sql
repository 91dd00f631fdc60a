CREATE TABLE `kernel_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `kernel_meta` (`key`, `value`) VALUES ('origin', lower(hex(randomblob(16))));
