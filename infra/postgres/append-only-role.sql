-- The node's PostgreSQL role for the moderation audit log: it may append rows and read them, and
-- nothing else. No UPDATE, no DELETE, no TRUNCATE: a node (or whoever steals its credentials)
-- cannot rewrite the log, only add to it. Appends need nothing more: the chain's head is the last
-- row, found under a transaction-scoped advisory lock (clients/moderation/audit-log.ts).
--
-- Run it as the tables' owner or a superuser, once the schema exists (start one node, or run
-- `glass audit verify`, with the owner's URL: the tables are created then), e.g.
--
--   psql "postgres://admin@db/glass" -v ON_ERROR_STOP=1 \
--        -v glass_role=glass_node -v glass_schema=public -f infra/postgres/append-only-role.sql
--   psql "postgres://admin@db/glass" -c "ALTER ROLE glass_node PASSWORD '…'"
--
-- then give the nodes GLASS_PG_URL=postgres://glass_node:…@db/glass. A node started with this
-- role on an up-to-date schema only reads the migrations table; a release that adds a migration is
-- first started once with the owner's URL. For an existing role, leave out the CREATE ROLE line.

CREATE ROLE :"glass_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;

-- Nothing but what is granted below, whatever was granted before.
REVOKE ALL ON :"glass_schema".glass_audit_log, :"glass_schema".glass_audit_head, :"glass_schema".glass_audit_migrations FROM :"glass_role";
REVOKE UPDATE, DELETE, TRUNCATE ON :"glass_schema".glass_audit_log, :"glass_schema".glass_audit_head, :"glass_schema".glass_audit_migrations FROM PUBLIC;
REVOKE CREATE ON SCHEMA :"glass_schema" FROM :"glass_role";

GRANT USAGE ON SCHEMA :"glass_schema" TO :"glass_role";
GRANT SELECT, INSERT ON :"glass_schema".glass_audit_log TO :"glass_role";
-- Read only: the migrations a node checks at start, and the legacy head row (no longer written).
GRANT SELECT ON :"glass_schema".glass_audit_migrations, :"glass_schema".glass_audit_head TO :"glass_role";
