-- The late side output: events a view could not fold because every window holding them had closed
-- past its allowed lateness. One row per event, identified by where it sits in the view's input
-- (partition, offset) in one generation of the view, so a processor that replays after a crash rewrites
-- rows instead of adding; a rebuilt view (a new generation) starts an empty side output.
-- Runs on ClickHouse 18.16 and 26.x.
CREATE TABLE IF NOT EXISTS late_events
(
    view String,
    generation UInt32,
    input_partition UInt32,
    input_offset UInt64,
    event_id String,
    event_time Int64,
    watermark Int64,
    received_at Int64,
    recorded_at Int64,
    payload_json String
)
ENGINE = ReplacingMergeTree(recorded_at)
ORDER BY (view, generation, input_partition, input_offset);
