"""Demo data of the catalog: a Jiangsu setup (江苏省 → 南京市 → 玄武区, 江宁区) with real item names,
bases, materials and limits as a county's 实施清单 has them, and a generator of bulk data.

- ``places``: regions (five levels) and departments with valid USCCs.
- ``topics``: life events and business events.
- ``build``: the vocabulary of the templates (materials, form fields, ``ItemTemplate``).
- ``items``: the item templates (one per basic item, implemented in one or both counties).
- ``samples`` and ``simple_pdf``: small real PDFs for result samples, blank and sample forms.
- ``accounts``: one demo account per role.
- ``loader``: the writes (idempotent) used by ``manage.py seed_demo``.
- ``bulk``: about 2,000 generated items for search, import tests and benchmarks (``seed_bulk``).
"""
