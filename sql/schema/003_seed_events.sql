-- The reference calendar of dated events from sql/events.csv (article_id null).
-- Re-applied whenever the CSV changes.
insert or replace into events (event_id, event_date, entity, event_type, title, article_id)
with source as (
    select * from read_csv(getvariable('events_csv'), header = true, all_varchar = true)
),

final as (
    select
        trim(event_id) as event_id,
        cast(event_date as date) as event_date,
        trim(entity) as entity,
        trim(event_type) as event_type,
        trim(title) as title,
        cast(null as varchar) as article_id
    from source
    where nullif(trim(event_id), '') is not null
)

select * from final
