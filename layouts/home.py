"""A placeholder front page until the wall lands."""

from dash import html


def layout(**_query):
    return html.Main([html.H1("Mimika Center"), html.P("Dasbor pengaduan Kabupaten Mimika")])
