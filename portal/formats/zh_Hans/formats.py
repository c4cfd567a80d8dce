"""Chinese date formats, where they differ from Django's (settings.FORMAT_MODULE_PATH).

Pages show short dates as 2026-12-02 (Django's zh_Hans says 2026/12/02); long dates keep Django's
2026年12月2日. Official PDFs write their own formats; machine-read values (inputs, CSV) stay ISO.
"""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
