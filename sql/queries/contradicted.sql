-- The figures the market does not bear out, with the arithmetic and the article.
with verdicts as (
    select * from claim_verdicts where verdict = 'contradicted'
),

final as (
    select reference_date, subjects, value, qualifier, observed, explanation, url
    from verdicts
    order by reference_date desc
)

select * from final
