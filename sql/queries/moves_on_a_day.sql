-- Every symbol's close-to-close move on one day, largest falls first.
-- newsdesk sql "$(cat sql/queries/moves_on_a_day.sql)"
with moves as (
    select * from daily_moves where date = date '2024-02-16'
),

final as (
    select symbol, previous_close, close, pct_change from moves order by pct_change
)

select * from final
