-- Market caps (and reported valuations) of the given entities, every day held.
with valuations as (
    select * from valuations
),

final as (
    select * from valuations where entity in (select unnest($entities))
)

select * from final
