-- What the warehouse holds for each date in [$start, $end]: prices of the given watchlist,
-- prices of the known symbols the claims of that day mention, USD rates, articles, judged
-- claims, and the last run whose range covers the date (a run's range is stats.span; rows
-- written before it existed cover their run_date only) with its data-quality failures.
with days as (
    select cast(d as date) as d
    from generate_series($start::date, $end::date, interval 1 day) as t (d)
),

prices as (
    select symbol, date from prices where date between $start::date and $end::date
),

fx_rates as (
    select date, quote from fx_rates where base = 'USD' and date between $start::date and $end::date
),

articles as (
    select article_id, cast(published_at as date) as published_on from articles
),

claims as (
    select claim_id, article_id, subjects, reference_date, verdict from claims
),

tickers as (
    select symbol from tickers
),

runs as (
    select
        run_id,
        flow,
        status,
        started_at,
        run_date,
        coalesce(try_cast(stats ->> '$.span.start' as date), run_date) as span_start
    from runs
),

dq_results as (
    select run_id, success from dq_results
),

claim_days as (
    select c.*, a.published_on
    from claims as c
    left join articles as a using (article_id)
),

watchlist_priced as (
    select date as d, count(distinct symbol) as n
    from prices
    where symbol in (select unnest($symbols))
    group by date
),

mentions as (
    select distinct cd.d, m.symbol
    from (
        select published_on as d, subjects from claim_days
        union all
        select reference_date as d, subjects from claim_days
    ) as cd,
    unnest(cd.subjects) as m (symbol)
    where cd.d between $start::date and $end::date
      and m.symbol in (select symbol from tickers)
),

mentioned as (
    select
        m.d,
        count(*) as n,
        count(p.symbol) as priced
    from mentions as m
    left join prices as p on p.symbol = m.symbol and p.date = m.d
    group by m.d
),

fx as (
    select date as d, count(distinct quote) as n from fx_rates group by date
),

articles_per_day as (
    select published_on as d, count(*) as n from articles group by published_on
),

judged_claims as (
    select d, count(distinct claim_id) as n
    from (
        select published_on as d, claim_id from claim_days where verdict is not null
        union all
        select reference_date as d, claim_id from claim_days where verdict is not null
    )
    group by d
),

last_run as (
    select
        days.d,
        arg_max(r.run_id, r.started_at) as run_id,
        arg_max(r.flow, r.started_at) as flow,
        arg_max(r.status, r.started_at) as status,
        max(r.started_at) as started_at
    from days
    inner join runs as r on days.d between r.span_start and r.run_date
    group by days.d
),

dq_failures as (
    select run_id, count(*) filter (where not success) as n from dq_results group by run_id
),

final as (
    select
        days.d as date,
        coalesce(w.n, 0) as watchlist_priced,
        coalesce(m.n, 0) as mentioned,
        coalesce(m.priced, 0) as mentioned_priced,
        coalesce(fx.n, 0) as fx_quotes,
        coalesce(a.n, 0) as articles,
        coalesce(j.n, 0) as claims_judged,
        coalesce(q.n, 0) as dq_failures,
        lr.run_id as last_run_id,
        lr.flow as last_run_flow,
        lr.status as last_run_status,
        lr.started_at as last_run_started_at
    from days
    left join watchlist_priced as w using (d)
    left join mentioned as m using (d)
    left join fx using (d)
    left join articles_per_day as a using (d)
    left join judged_claims as j using (d)
    left join last_run as lr using (d)
    left join dq_failures as q on q.run_id = lr.run_id
    order by days.d
)

select * from final
