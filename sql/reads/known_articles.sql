-- The id each article text was first stored under: the same text at another URL is the
-- same article.
with articles as (
    select content_sha256, article_id from articles
),

final as (
    select content_sha256, article_id from articles
)

select * from final
