-- A day's data-quality counts for its report: the checks of run $run_id when it ran any (the
-- run writing the report), else those of the latest checked run recorded for the day.
with dq_results as (
    select run_id, checked_at, success, details from dq_results
),

runs as (
    select run_id, run_date from runs
),

chosen as (
    select d.run_id
    from dq_results as d
    left join runs as r using (run_id)
    where d.run_id = $run_id::varchar or r.run_date = $day::date
    order by d.run_id = $run_id::varchar desc nulls last, d.checked_at desc
    limit 1
),

final as (
    select
        any_value(run_id) as run_id,
        max(checked_at) as checked_at,
        count(*) filter (where success) as passed,
        count(*) filter (where not success) as failed,
        count(*) filter (
            where not success and json_extract_string(details, '$.severity') = 'warning'
        ) as warnings
    from dq_results
    where run_id in (select run_id from chosen)
)

select * from final
