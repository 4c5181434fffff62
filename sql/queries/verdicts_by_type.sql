-- How the news fared: verdicts per claim type.
with claims as (
    select claim_type, verdict from claims where claim_type <> 'other'
),

final as (
    select claim_type, verdict, count(*) as claims
    from claims
    group by all
    order by claim_type, verdict
)

select * from final
