"""HTML views of cases, one module per audience (applicant.py: the citizen's and company's pages)."""
