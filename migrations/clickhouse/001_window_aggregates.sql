-- Window aggregates: one row per (view, window_start, group_key), rewritten by its owner with a
-- rising revision; readers take the latest revision with FINAL. Runs on ClickHouse 18.16 and 26.x.
-- group_key: JSON of the key's [field, value] entries in groupBy order (the sort and dedup key),
-- key_json: the key object as JSON; measure_values: nan where the measure has no value.
CREATE TABLE IF NOT EXISTS window_aggregates
(
    view String,
    window_start Int64,
    window_end Int64,
    group_key String,
    key_json String,
    measure_names Array(String),
    measure_values Array(Float64),
    event_count UInt64,
    is_final UInt8,
    revision UInt64,
    updated_at Int64
)
ENGINE = ReplacingMergeTree(revision)
ORDER BY (view, window_start, group_key);
