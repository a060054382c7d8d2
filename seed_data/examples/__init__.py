"""Synthetic example candidate lists in every accepted format, and the script that makes them."""
