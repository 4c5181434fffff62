-- Responses and records a run could not use, set aside instead of loaded: a body that is not
-- what was asked for (another symbol or CIK), a body no transform can read, or one record of
-- an otherwise good body. The raw body stays in the landing zone at raw_path, untouched.
create table if not exists quarantine (
    source varchar not null,
    key varchar not null,
    record varchar,
    raw_path varchar,
    reason varchar not null,
    run_id varchar,
    quarantined_at timestamp
);

comment on table quarantine is 'Responses and records a run set aside instead of loading, one row each, with the reason; the raw body is kept in the landing zone.';
comment on column quarantine.source is 'The landing source: yahoo, frankfurter, sec or news.';
comment on column quarantine.key is 'Whose it is, as requested: a symbol, CIK0000796343, a Frankfurter range, a news URL.';
comment on column quarantine.record is 'Which record of the body (a bar, a fact, a rate), or "whole body" when none of it was used.';
comment on column quarantine.raw_path is 'The landed body it came from, kept as received (empty when nothing was received).';
comment on column quarantine.reason is 'Why it was set aside, in one line.';
comment on column quarantine.run_id is 'The run that set it aside (runs.run_id).';
comment on column quarantine.quarantined_at is 'When the run set it aside (UTC).';
