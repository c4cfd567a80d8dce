"""Demo data of the catalog: a Jiangsu setup (江苏省 → 南京市 → 玄武区, 江宁区) with real item names,
bases, materials and limits as a county's 实施清单 has them, and a generator of bulk data.

The data are files in ``data/`` (YAML, read with ``yaml.safe_load`` only); the Python here is the logic:

- ``datafiles``: reading a data file and checking its shape (errors name the file and the key).
- ``places``: regions (five levels) and departments (``data/places.yaml``), and the USCC arithmetic.
- ``topics``: life events and business events (``data/topics.yaml``).
- ``build``: the item template and the words it is written in (``data/vocabulary.yaml``: material
  presets, the standard form fields, the provincial authorities).
- ``items``: the item templates (``data/items/*.yaml``, one per basic item, implemented in one or both counties).
- ``samples`` and ``simple_pdf``: small real PDFs for result samples, blank and sample forms.
- ``accounts``: one demo account per role (``data/accounts.yaml``).
- ``loader``: the writes (idempotent) used by ``manage.py seed_demo``, every item through the spec path.
- ``bulk``: about 2,000 generated items for search, import tests and benchmarks (``seed_bulk``).
"""
