"""English date formats (settings.FORMAT_MODULE_PATH): day month year, as the portal's English
readers (foreign residents, not only Americans) read them: 2 Dec 2026, 2 December 2026."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
