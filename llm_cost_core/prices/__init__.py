"""Prices: exact money, the `ModelPrice` a plugin registers, price tables, and the price files
they are read from (core's embedded one, a user's, LiteLLM's). Nothing here knows about plugins
or encodings beyond their names; models.resolve puts prices and plugins together.
"""
