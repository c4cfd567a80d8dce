"""电子证照 (e-licences): the registry, licences issued by a grant, and 免证办.

- ``models.py``: ``License`` (the demo registry's table and the portal's record of what it issued) and
  ``LicenceKind`` (per kind: how long a licence is valid, its number prefix);
- ``registry.py``: the interface a provincial registry replaces (``PORTAL_LICENCE_REGISTRY``);
- ``issuing.py``: a grant issues the licence, the worker renders and signs its PDF, revocation;
- ``fetching.py``: 免证办, the materials an applicant's valid e-licences fill in;
- ``access.py``: who may open a licence's PDF.

Kept free of imports at package level: ``applications.models`` imports ``licences.models`` while the
app registry loads.
"""
