"""The warehouse migrations, seeds and reads: installed as the package data newsdesk.sql."""
