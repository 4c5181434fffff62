-- Views for analysts: each day's move per symbol, and each claim beside its article.
create or replace view daily_moves as
with prices as (
    select symbol, date, close from prices
),

final as (
    select
        symbol,
        date,
        close,
        lag(close) over (partition by symbol order by date) as previous_close,
        round(100 * (close / lag(close) over (partition by symbol order by date) - 1), 4)
            as pct_change
    from prices
)

select * from final;

create or replace view claim_verdicts as
with claims as (
    select * from claims
),

articles as (
    select article_id, url, title, published_at from articles
),

final as (
    select
        claims.reference_date,
        claims.claim_type,
        claims.subjects,
        claims.value,
        claims.currency,
        claims.qualifier,
        claims.verdict,
        claims.observed,
        claims.explanation,
        articles.title,
        articles.url,
        articles.published_at,
        claims.claim_id
    from claims
    left join articles using (article_id)
)

select * from final;
