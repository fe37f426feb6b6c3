"""The v1 dialect: /api/v1/extraction-jobs, /api/v1/extractFields, /api/v1/templates, /api/v1/filters."""
