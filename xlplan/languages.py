"""The workbook languages, as codes: what the command line offers without loading the model."""

LANGUAGES = ("fr", "es", "en")
