-- The sessions each symbol already has a bar for in [$start, $end]: closed days held are
-- not fetched again.
with prices as (
    select symbol, date from prices
),

final as (
    select symbol, list(date) as days
    from prices
    where symbol in (select unnest($symbols))
      and date between $start::date and $end::date
    group by symbol
)

select * from final
