-- The same per-call figures as `callflow calls`, in DuckDB SQL, for the side-by-side benchmark.
-- Usage: sed "s#INPUT#big.ndjson#" bench/duckdb.sql | duckdb   (or through the Python module)
-- Legs link through caller_dialog_uuid transitively; exact re-deliveries are dropped.
CREATE TEMP TABLE ev AS
SELECT DISTINCT
  dialog_uuid,
  event_name,
  strptime(event_time, '%Y-%m-%d %H:%M:%S') AS t,
  state,
  close_cause,
  dialog_type,
  business_direction,
  self_target,
  peer_username,
  peer_project_name,
  tenant_user.username AS username,
  project.name AS project,
  initial_application_info.data.caller_dialog_uuid AS parent
FROM read_ndjson('INPUT', ignore_errors = true, columns = {
  event_type: 'VARCHAR', event_name: 'VARCHAR', event_time: 'VARCHAR', dialog_uuid: 'VARCHAR',
  state: 'VARCHAR', close_cause: 'VARCHAR', dialog_type: 'VARCHAR', business_direction: 'VARCHAR',
  self_target: 'VARCHAR', peer_username: 'VARCHAR', peer_project_name: 'VARCHAR',
  tenant_user: 'STRUCT(username VARCHAR)', project: 'STRUCT(name VARCHAR)',
  initial_application_info: 'STRUCT(data STRUCT(caller_dialog_uuid VARCHAR))'})
WHERE event_type = 'user_dialog'
  AND event_name IN ('dialog_create', 'dialog_state_update', 'dialog_close');

CREATE TEMP TABLE legs AS
SELECT
  dialog_uuid,
  min(t) AS first_t,
  min(t) FILTER (WHERE event_name = 'dialog_create') AS created,
  min(t) FILTER (WHERE state = 'talking') AS talking,
  min(t) FILTER (WHERE state IN ('answered', 'talking')) AS answered,
  min(t) FILTER (WHERE event_name = 'dialog_close') AS closed,
  arg_min(close_cause, t) FILTER (WHERE event_name = 'dialog_close') AS close_cause,
  any_value(dialog_type) FILTER (WHERE event_name = 'dialog_create') AS dialog_type,
  any_value(business_direction) FILTER (WHERE event_name = 'dialog_create') AS business_direction,
  any_value(self_target) FILTER (WHERE event_name = 'dialog_create') AS self_target,
  any_value(peer_username) FILTER (WHERE event_name = 'dialog_create') AS peer_username,
  any_value(peer_project_name) FILTER (WHERE event_name = 'dialog_create') AS peer_project_name,
  any_value(username) FILTER (WHERE event_name = 'dialog_create') AS username,
  any_value(project) FILTER (WHERE event_name = 'dialog_create') AS project,
  any_value(nullif(parent, dialog_uuid)) FILTER (WHERE event_name = 'dialog_create') AS parent
FROM ev GROUP BY dialog_uuid;

CREATE TEMP TABLE roots AS
WITH RECURSIVE up(leg, node, depth) AS (
  SELECT dialog_uuid, dialog_uuid, 0 FROM legs
  UNION ALL
  SELECT up.leg, l.parent, depth + 1 FROM up JOIN legs l ON l.dialog_uuid = up.node
  WHERE l.parent IS NOT NULL AND depth < 32
)
SELECT leg, arg_max(node, depth) AS call_id FROM up GROUP BY leg;

COPY (
  SELECT
    r.call_id,
    any_value(l.business_direction) FILTER (WHERE l.dialog_uuid = r.call_id) AS direction,
    min(l.first_t) AS start,
    min(l.talking) AS answered_at,
    CASE WHEN count(*) = count(l.closed) THEN max(l.closed) END AS "end",
    date_diff('second', min(l.first_t), min(l.talking)) AS wait_s,
    CASE WHEN count(*) = count(l.closed) THEN date_diff('second', min(l.talking), max(l.closed)) END AS talk_s,
    CASE WHEN count(*) = count(l.closed) THEN date_diff('second', min(l.first_t), max(l.closed)) END AS duration_s,
    coalesce(
      arg_max(CASE l.dialog_type WHEN 'EXTERNAL' THEN 'client' WHEN 'CONSULTANT' THEN 'consultant' ELSE lower(l.dialog_type) END, l.closed)
        FILTER (WHERE l.close_cause = 'HANGUP' AND l.talking IS NOT NULL),
      arg_max(CASE l.dialog_type WHEN 'EXTERNAL' THEN 'client' WHEN 'CONSULTANT' THEN 'consultant' ELSE lower(l.dialog_type) END, l.closed)
        FILTER (WHERE l.close_cause = 'HANGUP'),
      'none') AS hangup_side,
    CASE WHEN count(*) > count(l.closed) THEN 'open'
         WHEN min(l.talking) IS NOT NULL THEN 'answered' ELSE 'not_answered' END AS outcome,
    coalesce(
      arg_max(l.username, l.talking) FILTER (WHERE l.dialog_type = 'CONSULTANT' AND l.talking IS NOT NULL),
      arg_max(l.username, l.created) FILTER (WHERE l.dialog_type = 'CONSULTANT'),
      arg_min(l.peer_username, l.created) FILTER (WHERE l.dialog_type = 'EXTERNAL')) AS consultant,
    coalesce(
      arg_max(l.project, l.talking) FILTER (WHERE l.dialog_type = 'CONSULTANT' AND l.talking IS NOT NULL),
      arg_max(l.project, l.created) FILTER (WHERE l.dialog_type = 'CONSULTANT'),
      arg_min(l.peer_project_name, l.created) FILTER (WHERE l.dialog_type = 'EXTERNAL')) AS project,
    arg_min(l.self_target, l.created) FILTER (WHERE l.dialog_type = 'EXTERNAL') AS client,
    count(*) AS legs
  FROM legs l JOIN roots r ON r.leg = l.dialog_uuid
  GROUP BY r.call_id
  ORDER BY start, r.call_id
) TO '/dev/stdout' (HEADER, DELIMITER ',');
