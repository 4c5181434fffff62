-- Market value gained or lost per symbol on one day, in USD, as the verifier computes it.
with caps as (
    select
        entity as symbol,
        as_of,
        value_usd,
        value_usd - lag(value_usd) over (partition by entity order by as_of) as change_usd
    from valuations
    where kind = 'market_cap'
),

final as (
    select symbol, value_usd, change_usd from caps where as_of = date '2024-02-16'
    order by change_usd
)

select * from final
