"""Date and time formats per language (FORMAT_MODULE_PATH). Templates name a format (`|date:"SHORT_DATE_FORMAT"`)
instead of spelling one, so a Chinese page reads 2026年12月4日 / 12月4日 and an English page 4 Dec 2026 / 4 Dec,
each in one consistent style. Django's own locale formats fill in whatever is not set here (input formats)."""
