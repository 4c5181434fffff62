-- Daily bars of the given symbols, within [$start, $end] where those are given.
with prices as (
    select * from prices
),

final as (
    select *
    from prices
    where symbol in (select unnest($symbols))
      and ($start::date is null or date >= $start::date)
      and ($end::date is null or date <= $end::date)
)

select * from final
