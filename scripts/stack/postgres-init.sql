-- docker compose: the image creates the `catalog` database and role; tests use a second database.
CREATE DATABASE catalog_test OWNER catalog;
