"""Import of the implementation list (实施清单) from CSV or XLSX, as drafts, all or nothing.

The layout is defined once, here: one row per item version in the sheet 事项 (or the CSV file),
and the repeated structures (materials, situations, steps, fees, FAQ) in sheets of their own keyed
by 序号, or in CSV as compact cells (entries separated by "；", fields by "|"). The templates and
the export (catalog.exports) are written from the same layout, so an export imports back unchanged.

An import goes through three passes, each visible to the editor:

1. At upload, the file itself is checked (size, content, encoding, columns, row count). A malformed
   file is refused at once with BadInput (400) and nothing is kept.
2. The validation pass reads every row, checks it (labels, numbers, codes, departments the editor
   may edit, catalog.rules on the item), then *rehearses* the write: each row goes through the
   real services inside a savepoint, in chunks whose transaction is rolled back. So the report
   lists every problem the write itself would meet (the rules on steps and fees, the one-open-draft
   rule, database constraints), and the progress counters are committed between chunks.
   Validating unsaved objects would be faster but would miss exactly those checks; the rehearsal
   costs about as much as the write (about 20 ms a row on a quiet 2-core machine, some 30 services
   queries each: a 10,000-row file takes 3–10 minutes per pass in the worker, depending on load),
   which is acceptable for an occasional bulk job. The rehearsed drafts are also compared with the
   published versions they continue (``preview``): the editor sees, per row, a new item, an update
   with its changed fields old → new, or no change, before confirming.
3. Once the editor confirms a valid job, the same rows are written in ONE transaction as drafts
   (never published). If any row fails now — the catalog changed since validation — nothing is
   written and the job shows why; so is a row whose item got a new published version since the
   preview, since the changes the editor confirmed are no longer the ones the write would make.

The package is split by concern: ``layout`` (limits and columns), ``cells`` (one cell), ``reading``
(a file into rows), ``planning`` (rows into checked plans), ``preview`` (what a valid job will
change), ``jobs`` (upload, validation pass, confirmation, write). Its public names are re-exported here.
"""

from catalog.imports.cells import (  # noqa: F401
    CellError,
    choice_label,
    choice_labels,
    choice_lookup,
    escape,
    read_cell,
    split_escaped,
    split_list,
    unescape,
)
from catalog.imports.jobs import (  # noqa: F401
    confirm_import,
    get_import_job_for,
    restart_stalled_imports,
    start_import,
    validate_import,
    validates_inline,
    write_import,
)
from catalog.imports.layout import (  # noqa: F401
    BASIC_CODE,
    CHILD_BY_KEY,
    CHILDREN,
    CHUNK_ROWS,
    CODE,
    CSV_HEADERS,
    DEPARTMENT_USCC,
    ENTRY_SEPARATOR,
    ESCAPE,
    FALSE_WORDS,
    FIELD_HEADERS,
    FIELD_SEPARATORS,
    GUIDE_SHEET,
    IDENTITY_COLUMNS,
    INLINE_MAX_ROWS,
    INLINE_MAX_UNPACKED_BYTES,
    ITEM_COLUMNS,
    ITEM_HEADERS,
    ITEM_SHEET,
    KEY,
    LIST_SEPARATOR,
    LIST_SEPARATORS,
    MAX_CELL_CHARS,
    MAX_CHILD_ROWS,
    MAX_COLUMNS,
    MAX_ENTRIES_PER_LIST,
    MAX_PROBLEMS_KEPT,
    MAX_ROWS,
    MAX_XLSX_COMPRESSION_RATIO,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_UNPACKED_BYTES,
    MR,
    NO,
    RATIO_CHECKED_FROM_BYTES,
    REQUIRED_ITEM_HEADERS,
    SMALLINT_MAX,
    SO,
    TRUE_WORDS,
    YES,
    ChildLayout,
    Column,
)
from catalog.imports.planning import (  # noqa: F401
    Lookups,
    RowPlan,
    plan_rows,
)
from catalog.imports.reading import (  # noqa: F401
    ParsedFile,
    Problem,
    RawChild,
    RawRow,
    check_import_upload,
    check_xlsx_archive,
    decode_csv,
    file_error,
    read_import_file,
)
