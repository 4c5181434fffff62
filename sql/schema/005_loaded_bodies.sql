-- Which landed response bodies a transform has already loaded, so that a re-run with
-- nothing new skips parsing them. `transform` names the transform's version: bump it
-- when a transform changes and every body is loaded again.
create table if not exists loaded_bodies (
    source varchar not null,
    sha256 varchar not null,
    transform varchar not null,
    loaded_at timestamp,
    primary key (source, sha256, transform)
);
