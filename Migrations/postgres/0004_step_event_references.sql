-- A step's intent and outcome are in the events that set them: its last StepStarted, and the
-- StepSucceeded (or the StepReconciled that found its effect) after which its outcome stands. The
-- steps row names those events instead of holding a copy of their JSON (Migrations/0007, the
-- same for SQLite ledgers). Filled from the events here.
ALTER TABLE steps ADD COLUMN intent_event BIGINT, ADD COLUMN outcome_event BIGINT;
UPDATE steps SET intent_event = latest.sequence
FROM (SELECT stream_id, payload::json ->> 'step' AS step, max(sequence) AS sequence FROM events
      WHERE type = 'StepStarted' GROUP BY stream_id, payload::json ->> 'step') AS latest
WHERE steps.intent IS NOT NULL AND latest.stream_id = steps.run_id AND latest.step = steps.step;
UPDATE steps SET outcome_event = latest.sequence
FROM (SELECT stream_id, payload::json ->> 'step' AS step, max(sequence) AS sequence FROM events
      WHERE type = 'StepSucceeded' OR (type = 'StepReconciled' AND json_typeof(payload::json -> 'found') <> 'null')
      GROUP BY stream_id, payload::json ->> 'step') AS latest
WHERE steps.outcome IS NOT NULL AND latest.stream_id = steps.run_id AND latest.step = steps.step;
ALTER TABLE steps DROP COLUMN intent, DROP COLUMN outcome;
