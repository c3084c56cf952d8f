"""The Streamlit side of late-logs, shared by `dashboard.py` and `pages/`: data access and the background
collector (`data`), the URL-bound filter (`filters`), page paths and drill-throughs (`nav`), the shared
sidebar (`sidebar`) and safe display of log text (`text`). Only the dashboard imports this package.
"""
