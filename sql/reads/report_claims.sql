-- The claims a day's report shows: those of articles published that day, or speaking of it.
with claims as (
    select * from claims
),

articles as (
    select article_id, published_at from articles
),

final as (
    select c.*
    from claims as c
    inner join articles as a using (article_id)
    where cast(a.published_at as date) = $day::date or c.reference_date = $day::date
    order by a.published_at, c.claim_id
)

select * from final
