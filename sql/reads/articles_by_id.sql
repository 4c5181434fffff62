-- The articles with the given ids, text included.
with articles as (
    select * from articles
),

final as (
    select * from articles where article_id in (select unnest($ids))
)

select * from final
