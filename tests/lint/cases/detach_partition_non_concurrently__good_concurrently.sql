SET lock_timeout = '500ms';
ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;
