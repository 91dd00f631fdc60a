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
CREATE TABLE `kernel_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `kernel_meta` (`key`, `value`) VALUES ('origin', lower(hex(randomblob(16))));
--> statement-breakpoint
INSERT INTO `consumer_positions` (`consumer_group`, `source_stream`, `seq`) SELECT `consumer_group`, `source_stream`, max(CAST(`entry_id` AS INTEGER)) FROM `inbox` GROUP BY `consumer_group`, `source_stream`;
