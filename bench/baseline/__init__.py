"""The baseline of `make bench`: a bare DRF create-and-list app, served with the portal's gunicorn settings
against the same PostgreSQL server, so the portal's overhead is a ratio measured in the same run."""
