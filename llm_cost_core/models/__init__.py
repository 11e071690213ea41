"""Models: the one place a model name (with `-e`, `--prices` and `--tier`) becomes an encoding
and a price (`resolve`), how a chat prompt is counted for a model (`chat`), and what a request
to it costs (`costs`).
"""
