-- The ticker universe from sql/tickers.csv. Re-applied whenever the CSV changes,
-- so adding a row to the CSV is all it takes to add a ticker.
insert or replace into tickers (symbol, name, exchange, currency, cik, aliases, kind, issuer)
with source as (
    select * from read_csv(getvariable('tickers_csv'), header = true, all_varchar = true)
),

final as (
    select
        trim(symbol) as symbol,
        trim(name) as name,
        nullif(trim(exchange), '') as exchange,
        coalesce(nullif(trim(currency), ''), 'USD') as currency,
        nullif(trim(cik), '') as cik,
        list_filter(string_split(coalesce(aliases, ''), '|'), lambda a: trim(a) <> '') as aliases,
        coalesce(nullif(trim(kind), ''), 'equity') as kind,
        trim(name) as issuer
    from source
    where nullif(trim(symbol), '') is not null
)

select * from final
