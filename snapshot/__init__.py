"""The demo's recorded responses: installed as the package data newsdesk.snapshot."""
