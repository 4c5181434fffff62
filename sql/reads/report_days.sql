-- Days in [$start, $end] that have claims published on them or speaking of them.
with claims as (
    select article_id, reference_date from claims
),

articles as (
    select article_id, published_at from articles
),

claim_days as (
    select cast(a.published_at as date) as d
    from claims as c
    inner join articles as a using (article_id)
    union
    select reference_date as d from claims
),

final as (
    select distinct d from claim_days where d between $start::date and $end::date order by d
)

select * from final
