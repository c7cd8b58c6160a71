-- How long the oldest audit entry not yet covered by a signed checkpoint has waited.
--
-- The checkpointer in `hub serve` signs at least every 10 seconds (or 1,000 entries) while
-- entries arrive. If this probe returns a row older than a minute, no hub process is
-- signing: alert. No row means every entry is covered. The hub exports no metric for this
-- yet, so this reads the event store directly (as hub_backup, which may read events).
--
--   psql -d hub -v schema=hub -At -f deploy/audit-checkpoint-probe.sql
--
-- It relies on how the eventsourcing library stores events (JSON state, the audit log and the
-- checkpoint log under fixed ids, entry n at version n+1). Check it after upgrading either.

\set ON_ERROR_STOP on
\if :{?schema}
\else
  \set schema hub
\endif

SELECT format($q$
WITH latest AS (
  SELECT coalesce(max((convert_from(state, 'UTF8')::json ->> 'size')::bigint), 0) AS size
    FROM (SELECT state FROM %1$I.hub_events
           WHERE originator_id = '32c4c65a-0792-55c0-a769-550290ed6ab3'  -- checkpoints
           ORDER BY originator_version DESC LIMIT 1) AS c
)
SELECT latest.size AS checkpointed_entries,
       round(extract(epoch FROM now() - (convert_from(e.state, 'UTF8')::json
             -> 'timestamp' ->> '_data_')::timestamptz)) AS oldest_unsigned_seconds
  FROM latest
  JOIN %1$I.hub_events AS e
    ON e.originator_id = 'a46ed5ce-bdca-581a-a50b-d9c69236de1b'                -- audit log
   AND e.originator_version = latest.size + 1
$q$, :'schema')
\gexec
