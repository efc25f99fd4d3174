-- A step's intent and outcome are in the events that set them: its last StepStarted, and the
-- StepSucceeded (or the StepReconciled that found its effect) after which its outcome stands. The
-- steps row names those events instead of holding a copy of their JSON, which made steps the
-- ledger's second largest table, a third of its size (issue 32). Filled from the events here; a
-- step with no intent (or no outcome) has none.
ALTER TABLE steps ADD COLUMN intent_event INTEGER;   -- events.sequence of the step's last StepStarted
ALTER TABLE steps ADD COLUMN outcome_event INTEGER;  -- events.sequence of the event that set its outcome
UPDATE steps SET intent_event = latest.sequence
FROM (SELECT stream_id, json_extract(payload, '$.step') AS step, max(sequence) AS sequence FROM events
      WHERE type = 'StepStarted' GROUP BY stream_id, json_extract(payload, '$.step')) AS latest
WHERE steps.intent IS NOT NULL AND latest.stream_id = steps.run_id AND latest.step = steps.step;
UPDATE steps SET outcome_event = latest.sequence
FROM (SELECT stream_id, json_extract(payload, '$.step') AS step, max(sequence) AS sequence FROM events
      WHERE type = 'StepSucceeded' OR (type = 'StepReconciled' AND json_type(payload, '$.found') <> 'null')
      GROUP BY stream_id, json_extract(payload, '$.step')) AS latest
WHERE steps.outcome IS NOT NULL AND latest.stream_id = steps.run_id AND latest.step = steps.step;
ALTER TABLE steps DROP COLUMN intent;
ALTER TABLE steps DROP COLUMN outcome;
