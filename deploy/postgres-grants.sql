-- Roles and grants for the hub's schema in PostgreSQL. A sketch: read it, then adapt it.
--
-- Run with psql as a superuser (or a role with CREATEROLE that owns the database), in the
-- hub's database, twice:
--
--   1. before the hub's first start: it makes the roles and the schema;
--   2. after the first start as the owner role (which creates the tables): it grants on the
--      tables that now exist and makes the events table append-only.
--
--   psql -d hub -f deploy/postgres-grants.sql
--   psql -d hub -v schema=hub -v app_connections=120 -f deploy/postgres-grants.sql
--
-- It is safe to run again, for instance after an upgrade that adds a table.
--
-- Roles:
--   hub_owner   owns the schema and the event store's tables. Used only to create tables
--               (the first start, upgrades). Never in /etc/hub/hub.env.
--   hub_app     what every hub process connects as: reads and appends events, keeps its
--               readers' positions, owns the data-key table (erasure vacuums it).
--   hub_backup  long-lived logical backups: reads events and positions, never data keys.
--
-- Set passwords afterwards with \password ROLE in psql (scram-sha-256). Use letters and
-- digits only: the password travels inside HUB_STORE_URL and a libpq connection string.

\set ON_ERROR_STOP on
\if :{?schema}
\else
  \set schema hub
\endif
\if :{?owner_role}
\else
  \set owner_role hub_owner
\endif
\if :{?app_role}
\else
  \set app_role hub_app
\endif
\if :{?backup_role}
\else
  \set backup_role hub_backup
\endif
-- Each hub process (each uvicorn worker counts) holds up to 19 connections: 15 for the
-- event store's pool and 4 for the data keys. Size this as 19 x processes, with room for
-- the CLI and scheduled jobs.
\if :{?app_connections}
\else
  \set app_connections 200
\endif

-- Roles -------------------------------------------------------------------------------------
SELECT format('CREATE ROLE %I LOGIN', r)
  FROM unnest(ARRAY[:'owner_role', :'app_role', :'backup_role']) AS r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r)
\gexec

ALTER ROLE :"app_role" CONNECTION LIMIT :app_connections;
ALTER ROLE :"backup_role" CONNECTION LIMIT 2;
-- A transaction left open holds its locks; on the events table that stops every writer.
ALTER ROLE :"app_role" SET idle_in_transaction_session_timeout = '60s';

-- Only these roles may connect to the hub's database.
REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"DBNAME" TO :"owner_role", :"app_role", :"backup_role";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- The schema ---------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"owner_role";
REVOKE ALL ON SCHEMA :"schema" FROM PUBLIC;
GRANT USAGE ON SCHEMA :"schema" TO :"app_role", :"backup_role";
-- The hub runs CREATE TABLE IF NOT EXISTS for hub_data_keys on every start, and PostgreSQL
-- checks the right to create in the schema even when the table is already there. CREATE on
-- a schema does not let the app role alter or drop the owner's tables.
GRANT CREATE ON SCHEMA :"schema" TO :"app_role";

-- Refuses any change to an event once written. Owned by the owner role; the app role cannot
-- drop or disable the triggers that call it.
CREATE OR REPLACE FUNCTION :"schema".hub_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the hub''s event store is append-only: % on % refused',
    TG_OP, TG_TABLE_NAME;
END
$$;
ALTER FUNCTION :"schema".hub_refuse_change() OWNER TO :"owner_role";

-- The tables (they exist after the first start as the owner role) ------------------------------

-- hub_events: the append-only store of every event, the audit trail and its checkpoints.
-- The hub needs SELECT and INSERT. The eventsourcing library also locks the table IN
-- EXCLUSIVE MODE on each write (so that readers following the log never skip an event), and
-- PostgreSQL allows that lock only with UPDATE, DELETE, TRUNCATE or (from 17) MAINTAIN.
-- From 17, MAINTAIN gives the lock without any right to change rows. Before 17, UPDATE is
-- granted and the trigger below refuses every UPDATE, DELETE and TRUNCATE, for every role.
SELECT format('GRANT SELECT, INSERT ON %I.hub_events TO %I', :'schema', :'app_role'),
       format('GRANT %s ON %I.hub_events TO %I',
              CASE WHEN current_setting('server_version_num')::int >= 170000
                   THEN 'MAINTAIN' ELSE 'UPDATE' END,
              :'schema', :'app_role'),
       format('GRANT SELECT ON %I.hub_events TO %I', :'schema', :'backup_role'),
       format('CREATE OR REPLACE TRIGGER hub_events_append_only BEFORE UPDATE OR DELETE '
              'ON %I.hub_events FOR EACH ROW EXECUTE FUNCTION %I.hub_refuse_change()',
              :'schema', :'schema'),
       format('CREATE OR REPLACE TRIGGER hub_events_no_truncate BEFORE TRUNCATE '
              'ON %I.hub_events FOR EACH STATEMENT EXECUTE FUNCTION %I.hub_refuse_change()',
              :'schema', :'schema')
 WHERE to_regclass(format('%I.hub_events', :'schema')) IS NOT NULL
\gexec

-- The sequence that numbers events (INSERT takes the next value; pg_dump reads it).
SELECT format('GRANT USAGE, SELECT ON SEQUENCE %s TO %I', seq, :'app_role'),
       format('GRANT SELECT ON SEQUENCE %s TO %I', seq, :'backup_role')
  FROM (SELECT pg_get_serial_sequence(format('%I.hub_events', :'schema'), 'notification_id')
          AS seq
         WHERE to_regclass(format('%I.hub_events', :'schema')) IS NOT NULL) AS s
 WHERE seq IS NOT NULL
\gexec

-- hub_tracking: the position of each reader of another log (a Kafka partition, the relay's
-- place in the store), one row per reader, moved forward in the same transaction as what the
-- reader wrote. Moving a row forward is an UPDATE.
SELECT format('GRANT SELECT, INSERT, UPDATE ON %I.hub_tracking TO %I', :'schema', :'app_role'),
       format('GRANT SELECT ON %I.hub_tracking TO %I', :'schema', :'backup_role')
 WHERE to_regclass(format('%I.hub_tracking', :'schema')) IS NOT NULL
\gexec

-- hub_data_keys: each person's data key, wrapped by the master key. Erasure overwrites a row
-- and then VACUUMs the table so that no dead copy of the key stays in the file; only the
-- table's owner may VACUUM it (before 17), so the app role owns it. The backup role gets
-- nothing here: a long-lived copy of this table would undo every erasure made after it.
SELECT format('ALTER TABLE %I.hub_data_keys OWNER TO %I', :'schema', :'app_role'),
       format('REVOKE ALL ON %I.hub_data_keys FROM %I', :'schema', :'backup_role')
 WHERE to_regclass(format('%I.hub_data_keys', :'schema')) IS NOT NULL
\gexec

-- What the roles may now do, for the record.
SELECT c.relname AS "table", r.rolname AS "role",
       string_agg(p.privilege_type, ', ' ORDER BY p.privilege_type) AS privileges
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = :'schema'
  CROSS JOIN LATERAL aclexplode(c.relacl) AS p
  JOIN pg_roles r ON r.oid = p.grantee
 WHERE c.relkind = 'r' AND r.rolname IN (:'app_role', :'backup_role')
 GROUP BY c.relname, r.rolname
 ORDER BY 1, 2;
