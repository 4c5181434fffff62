"""The evaluation harness behind `make eval` (scripts/eval.py): the labelled corpus, the
stand-in servers it is served from, and the scoring of the warehouse's claims against it.
See docs/evaluation.md."""
