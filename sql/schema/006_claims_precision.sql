-- The written precision of each claim's figure (the place value of its last written digit:
-- 7.41% → 0.01, 480亿 → 1e8), as the extractor read it, so the verifier judges the figure to
-- the precision it was found with. NULL on rows written before this column: the verifier then
-- reads the claim's span again, with the same reader.
alter table claims add column if not exists precision double;
