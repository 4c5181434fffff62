"""Developer scripts and the tooling they share with the tests and the benches."""
