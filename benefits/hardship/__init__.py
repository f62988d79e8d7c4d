"""The hardship register (困难职工档案) and care visits: services, selectors, pages, API and exports. Models and
admin live under the app's label (`benefits/models/hardship.py`, `benefits/admin/hardship.py`)."""
