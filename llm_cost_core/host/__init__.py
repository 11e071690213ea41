"""The plugin host: the hook specs, the registry that loads plugins and reports what they
registered, and core's own default plugin. It decides nothing about models (models.resolve does).
"""
