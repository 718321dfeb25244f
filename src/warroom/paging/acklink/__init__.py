"""The acknowledge link of a page: a page that shows the incident, and a button."""
