-- ECB reference rates quoted per one US dollar: market caps are converted through them.
with fx_rates as (
    select * from fx_rates
),

final as (
    select * from fx_rates where base = 'USD'
)

select * from final
