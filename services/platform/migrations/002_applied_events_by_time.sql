-- applied_events are pruned by age (ServiceHost, --applied_events_retention): found by time.
CREATE INDEX applied_events_by_time ON applied_events (applied_at);
