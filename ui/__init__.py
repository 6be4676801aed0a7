"""Streamlit-side helpers shared by the pages (the library in coldrec/ never imports streamlit)."""
