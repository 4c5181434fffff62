-- Each ticker's market benchmark, from the `benchmark` column of sql/tickers.csv.
-- A seed (the name says so and names tickers): re-applied after 002 whenever the CSV changes.
-- A blank cell takes the default: QQQ for a Nasdaq listing, SPY otherwise; `none`, an index,
-- or the benchmark itself (SPY, QQQ) has no benchmark.
alter table tickers add column if not exists benchmark varchar;

comment on column tickers.benchmark is
    'The index or ETF whose move the report sets beside this ticker''s move the same session '
    '(abnormal return = the ticker''s move minus this one''s); null for indexes and benchmarks.';

update tickers set benchmark = final.benchmark
from (
    with source as (
        select * from read_csv(getvariable('tickers_csv'), header = true, all_varchar = true)
    ),

    configured as (
        select
            trim(symbol) as symbol,
            nullif(trim(exchange), '') as exchange,
            coalesce(nullif(trim(kind), ''), 'equity') as kind,
            nullif(trim(benchmark), '') as benchmark
        from source
        where nullif(trim(symbol), '') is not null
    ),

    final as (
        select
            symbol,
            nullif(
                case
                    when lower(benchmark) = 'none' then null
                    when benchmark is not null then benchmark
                    when kind = 'index' then null
                    when exchange = 'XNAS' then 'QQQ'
                    else 'SPY'
                end,
                symbol
            ) as benchmark
        from configured
    )

    select * from final
) as final
where tickers.symbol = final.symbol
