"""The data-quality suites, one per table: installed as the package data newsdesk.expectations."""
