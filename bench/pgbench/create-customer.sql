-- pgbench script: the statement CustomerStore.create sends for one createCustomer (the customer row
-- and its outbox event in one WITH … INSERT; the outbox trigger NOTIFYs the relay on commit), with a
-- payload of the same size. Postgres's own ceiling for the write, without the gateway:
--   pgbench -n -M prepared -c 32 -j 2 -T 10 -f bench/pgbench/create-customer.sql <catalog_bench URL>
\set n random(1, 1000000000)
WITH row AS (
  INSERT INTO customer (id, email, name, phone, address, metadata, version, created_at, updated_at)
  VALUES (gen_random_uuid(), 'pgbench-' || gen_random_uuid() || '@example.com', 'Bench', NULL, NULL, NULL, 1, now(), now())
  RETURNING id, email, created_at)
INSERT INTO outbox_event (event_id, topic, key, payload)
SELECT gen_random_uuid(), 'pgbench.changes', row.id::text,
       jsonb_build_object('id', gen_random_uuid(), 'type', 'customer.created', 'origin', 'local', 'catalog', 'customer',
         'version', 1, 'entityId', row.id, 'occurredAt', row.created_at, 'schemaVersion', 2,
         'data', jsonb_build_object('id', row.id, 'name', 'Bench', 'email', row.email, 'phone', NULL, 'address', NULL,
           'version', 1, 'metadata', NULL, 'createdAt', row.created_at, 'deletedAt', NULL, 'updatedAt', row.created_at))
  FROM row;
