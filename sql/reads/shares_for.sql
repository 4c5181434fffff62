-- Share counts filed by the issuers of the given symbols.
with tickers as (
    select symbol, cik from tickers
),

shares_outstanding as (
    select * from shares_outstanding
),

final as (
    select *
    from shares_outstanding
    where cik in (
        select cik from tickers where symbol in (select unnest($symbols)) and cik is not null
    )
)

select * from final
