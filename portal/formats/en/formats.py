# English pages: day, month name, year everywhere (4 Dec 2026), which neither a US nor a UK reader misreads, and a
# 24-hour clock like the Chinese pages and the tickets.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
TIME_FORMAT = "H:i"
