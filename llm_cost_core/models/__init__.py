"""Models and money: price tables, costs, and the one place that turns a model name (or
`-e`/`-m`/`--prices`) into an encoding and an optional price.
"""
