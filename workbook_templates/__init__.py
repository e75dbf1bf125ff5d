"""Sheet layouts and translations, kept as data (YAML) and read by xlplan.workbook."""
