CREATE TABLE `job_ids` (
	`job_id` text PRIMARY KEY NOT NULL,
	`date` text NOT NULL
);

--> statement-breakpoint
-- Job ids planned before this table existed; where one was planned on two dates, the earlier plan (event ids are UUIDv7) keeps it.
INSERT OR IGNORE INTO `job_ids` (`job_id`, `date`)
SELECT json_extract(`envelope`, '$.data.jobId'), `stream_id` FROM `events`
WHERE `type` = 'MaintenanceJobPlanned'
ORDER BY `event_id`;
