-- The claims a run over [$start, $end] judged: of articles published then, or speaking of those
-- days (the union of the days' reports), contradicted first, for the CLI's run summary.
with claims as (
    select * from claims
),

articles as (
    select article_id, published_at, title from articles
),

final as (
    select c.*, a.title
    from claims as c
    inner join articles as a using (article_id)
    where cast(a.published_at as date) between $start::date and $end::date
        or c.reference_date between $start::date and $end::date
    order by
        case c.verdict when 'contradicted' then 0 when 'unverifiable' then 1 else 2 end,
        a.published_at,
        c.claim_id
)

select * from final
